"""The registry of job kinds: each app that runs work in the background declares its kinds here.

An app registers a kind in its ``AppConfig.ready``, one line::

    jobs.kinds.register(JobKind("campaigns.missing_pdf", _("Missing list (PDF)"), run_missing_pdf))

``run(job, progress)`` does the work by calling the same service that the synchronous path calls,
reports with ``progress.set(done, total, message)``, wraps each step with effects other than its
result in ``progress.once(name, fn)``, and returns a ``Result``: a file to download, and/or a short
report (``outcome``, JSON) for the job's page. It must be safe to run again after its worker died
(docs/tasks.md, "Idempotent jobs"). ``Job.kind``'s choices are a callable over this registry, so a
new kind needs no migration; ``job_start`` refuses a kind no app registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shequ.jobs.models import Job
    from shequ.jobs.services import Progress


@dataclass(frozen=True)
class Result:
    content: bytes | None = None
    filename: str = ""
    content_type: str = ""
    outcome: dict[str, Any] = field(default_factory=dict)
    # Called in the transaction that stores the result (e.g. the export's audit event), so that it
    # happens once with the result or not at all.
    effects: Callable[[], None] | None = None


@dataclass(frozen=True)
class JobKind:
    code: str
    label: Any  # a lazy translation
    run: Callable[[Job, Progress], Result]
    # The template that shows a finished job's outcome (besides the download link), if any.
    outcome_template: str = ""


_KINDS: dict[str, JobKind] = {}


def register(*kinds: JobKind) -> None:
    for kind in kinds:
        _KINDS[kind.code] = kind


def get(code: str) -> JobKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"no app registered the job kind {code!r}") from None


def choices() -> list[tuple[str, Any]]:
    return [(k.code, k.label) for k in _KINDS.values()]
