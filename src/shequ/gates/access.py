"""Who works the gates and passes, what of the gates app each user sees, and the grants the gates add
to a Scope (core/scoping.py). Registered from GatesConfig.ready().

Gates are seen by the whole community (secretary, staff) and by the guards and volunteers posted to
them (GateGuard). A device token bound to one gate (GateDevice) sees that gate and nothing else of
the gates app, and only while its user holds the gate screen in the gate's community: the binding
never widens what the user may do (a guard moved to another community leaves a tablet that sees
nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shequ.core.scoping import Reach, Role, Scope, declare_capabilities, declare_scope, grant_provider

SECRETARY, STAFF, GATE_GUARD, VOLUNTEER = Role.SECRETARY, Role.STAFF, Role.GATE_GUARD, Role.VOLUNTEER

CAPABILITIES = {
    # The gate screen: only at the gates the user is posted to, or every gate of the community for
    # secretary and staff.
    "gates.screen": {SECRETARY, STAFF, GATE_GUARD, VOLUNTEER},
    # Gate status, exit quotas, the duty roster, device tokens.
    "gates.manage": {SECRETARY, STAFF},
    # The passage ledger, who is out now, hourly counts.
    "gates.ledger": {SECRETARY, STAFF, GATE_GUARD},
}

# Roles whose gate posts (GateGuard) are read into the Scope.
POSTED_ROLES = frozenset({GATE_GUARD, VOLUNTEER})


def gate_grants(user: Any, scope: Scope, context: Mapping[str, Any]) -> Mapping[str, Iterable[int]]:
    """``"device_gate"``: the gate of a device token (``context["device_gate"]`` when the caller read it
    with the token, else read by ``context["api_token_id"]``); otherwise ``"gate"``: the user's posts
    (one query, for guards and volunteers only)."""
    from shequ.gates.models import GateDevice, GateGuard

    device_gate = context.get("device_gate")
    token_id = context.get("api_token_id")
    if device_gate is None and token_id is not None:
        device_gate = GateDevice.objects.filter(token_id=token_id).values_list("gate_id", flat=True).first()
    if device_gate is not None:
        return {"device_gate": [device_gate]}  # the device sees its gate only: the posts are not read
    if scope.roles & POSTED_ROLES:
        return {"gate": GateGuard.objects.filter(user_id=user.pk).values_list("gate_id", flat=True)}
    return {}


def device_gate(scope: Scope) -> int | None:
    """The gate a device token's Scope is bound to, or None for a person's Scope."""
    return next(iter(scope.granted("device_gate")), None)


def register() -> None:
    from shequ.gates.models import Gate

    declare_capabilities(CAPABILITIES)
    declare_scope(Gate, community="community_id", gate="id",
                  device_gate=Reach("id", within="gates.screen", alone=True))
    grant_provider(gate_grants)
