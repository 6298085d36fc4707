"""Which kinds of API token may call an API route: each route declares it beside itself.

A token's purpose (``accounts.ApiToken.purpose``) says what it is for. A general token (a script, an
integration) acts with its user's roles on every route. A device token is for one kind of work at
one place: a gate device records passages at its gate. A route admits the purposes it names with
``@for_tokens(...)`` under its router decorator; a route that names none admits general tokens only,
so a new route never opens itself to devices by accident. Browser sessions are not tokens and are
not affected. ``shequ/api.py`` enforces the declarations: any other token is answered as if its user
had no rights on that route (403), before the request is read. Here rather than in accounts so that
every app's routes can declare, the registry's included; the purposes are plain strings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

GENERAL = "general"
GATE_DEVICE = "gate_device"
SAMPLING_DEVICE = "sampling_device"
DELIVERY_DEVICE = "delivery_device"
PURPOSES = (GENERAL, GATE_DEVICE, SAMPLING_DEVICE, DELIVERY_DEVICE)

DEFAULT = frozenset({GENERAL})

View = TypeVar("View", bound=Callable[..., Any])


def for_tokens(*purposes: str) -> Callable[[View], View]:
    """``@for_tokens(GENERAL, GATE_DEVICE)``: the tokens that may call this route (list general too)."""
    unknown = set(purposes) - set(PURPOSES)
    if unknown or not purposes:
        raise ValueError(f"unknown token purposes: {sorted(unknown) or 'none given'}")

    def declare(view: View) -> View:
        view.token_purposes = frozenset(purposes)  # type: ignore[attr-defined]  # a mark on the function
        return view

    return declare


def token_purposes(view: Callable[..., Any]) -> frozenset[str]:
    """What a route declared, or general tokens only."""
    return getattr(view, "token_purposes", DEFAULT)
