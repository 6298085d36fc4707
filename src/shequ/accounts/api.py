from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from shequ.accounts.http import AuthenticatedRequest
from shequ.core import api_tokens

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    role: str
    community: str | None
    grid: int | None


class MeOut(Schema):
    username: str
    display_name: str
    memberships: list[MembershipOut]
    # How the request authenticated: a token's purpose (general, gate_device, ...), or null for the
    # browser's session; a gate device's gate.
    token_purpose: str | None
    gate_id: int | None


@router.get("/me", response=MeOut, summary="The authenticated user, their roles and the token's purpose")
@api_tokens.for_tokens(*api_tokens.PURPOSES)  # every token may ask who it is
def me(request: AuthenticatedRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.get_username(),
        "display_name": user.first_name or user.get_username(),
        "memberships": [
            {"role": m.role, "community": m.community.code if m.community else None, "grid": m.grid_id}
            for m in user.memberships.select_related("community")
        ],
        "token_purpose": getattr(request, "token_purpose", None),
        # A gate device's Scope is bound to its gate (the grant gates.access adds for it).
        "gate_id": next(iter(request.scope.granted("device_gate")), None),
    }
