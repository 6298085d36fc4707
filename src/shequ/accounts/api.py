from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    role: str
    community: str | None
    grid: int | None


class MeOut(Schema):
    username: str
    display_name: str
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="The authenticated user and their roles")
def me(request: HttpRequest) -> dict:
    user = request.user
    return {
        "username": user.get_username(),
        "display_name": user.first_name or user.get_username(),
        "memberships": [
            {"role": m.role, "community": m.community.code if m.community else None, "grid": m.grid_id}
            for m in user.memberships.select_related("community")
        ],
    }
