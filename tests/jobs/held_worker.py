"""``shequ worker`` that stops for good once a job's first run has reported N rows done (the first
argument): the known point at which tests/jobs/test_worker.py kills a worker mid-job. It wraps
``Progress.set`` here, in the test's own process, so that the production code carries no test switch.

    python tests/jobs/held_worker.py N worker [options]
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any


def main() -> None:
    hold = int(sys.argv.pop(1))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django

    django.setup()
    from shequ.jobs import services

    original = services.Progress.set

    def held(self: Any, done: int, total: int | None = None, message: str = "") -> None:
        original(self, done, total, message)
        if self.job.attempts == 1 and done >= hold:
            print(f"jobs: holding job {self.job.pk} at {done}", file=sys.stderr, flush=True)  # noqa: T201 - the test reads it
            while True:
                time.sleep(1)

    services.Progress.set = held  # type: ignore[method-assign]
    from shequ.cli import main as shequ

    shequ(sys.argv[1:])


if __name__ == "__main__":
    main()
