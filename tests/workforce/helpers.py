"""Facts the workforce tests build for themselves, through the services."""

from __future__ import annotations

from typing import Any

from shequ.accounts.models import User
from shequ.registry.models import Community
from shequ.workforce import services
from shequ.workforce.models import Post


def futong() -> Community:
    return Community.objects.get(code="futong")


def staff() -> User:
    return User.objects.get(username="staff")


def delivery_post(needed: int = 2, name: str = "配送组") -> Post:
    return services.post_create(actor=staff(), community=futong(), kind=Post.Kind.DELIVERY, name=name, needed=needed)


def volunteer(name: str, phone: str) -> User:
    """A second volunteer of futong, signed up and approved (an account with the volunteer role)."""
    signup, _new = services.volunteer_signup(community=futong(), name=name, phone=phone)
    account = services.volunteer_approve(actor=staff(), volunteer=signup)
    assert account is not None
    return account.user


def shifts() -> dict[str, Any]:
    return {s.name: s for s in services.shifts_ensure_default(community_id=futong().pk)}
