"""The kinds of alert, each registered by the app that raises it.

An app declares its kinds (code, label, the message the office reads with ``%(name)s`` parameters
from ``Alert.params``) in its own module and registers them in its ``AppConfig.ready``; the alerts
app knows none of them. ``Alert.kind`` takes its choices from this registry through a callable, so
a new kind needs no migration of the alerts app (choices are not a database constraint; the
migration records the callable, not the list).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

# Alert.kind's max_length.
CODE_LENGTH = 30


@dataclass(frozen=True, eq=False)
class AlertKind:
    code: str
    label: str | Promise
    # For the office: a sentence with %(name)s parameters taken from Alert.params; a parameter that
    # is a list holds English msgids (refusal reasons, say), translated when the alert is read.
    message: str | Promise

    def __str__(self) -> str:
        return self.code


_KINDS: dict[str, AlertKind] = {}


def register(*kinds: AlertKind) -> None:
    """Called from the raising app's ``AppConfig.ready``. Registering the same kind again does
    nothing; another kind under a code already taken is a configuration error."""
    for kind in kinds:
        if len(kind.code) > CODE_LENGTH:
            raise ImproperlyConfigured(f"alert kind {kind.code!r} is longer than {CODE_LENGTH} characters")
        taken = _KINDS.get(kind.code)
        if taken is not None and taken is not kind:
            raise ImproperlyConfigured(f"alert kind {kind.code!r} is registered twice")
        _KINDS[kind.code] = kind


def kind_of(code: str) -> AlertKind | None:
    return _KINDS.get(code)


def code_of(kind: AlertKind | str) -> str:
    """The code of a registered kind; a kind that no app registered is refused (a typo, or an app
    whose ready() does not register it), rather than stored as an alert nobody can read."""
    code = kind.code if isinstance(kind, AlertKind) else kind
    if code not in _KINDS:
        raise ValueError(f"unknown alert kind {code!r}: register it in its app's AppConfig.ready")
    return code


def choices() -> list[tuple[str, str | Promise]]:
    """Alert.kind's choices, in the order the apps registered them."""
    return [(k.code, k.label) for k in _KINDS.values()]
