"""Writes for accounts: API tokens, deactivating a user, removing a membership.

Each write that changes what a token means (its user, the user's memberships, the token itself) calls
``tokencache.changed()``, so this process honours the change at once (accounts/tokencache.py)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.accounts import tokencache
from shequ.accounts.models import ApiToken, Membership, User
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record

TOKEN_PREFIX = "sq_"  # noqa: S105 - a public marker, not a secret


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_hash(key: str) -> str:
    """The stored form of a token (what tokencache remembers it by)."""
    return _hash(key)


@transaction.atomic
def api_token_create(*, user: User, name: str = "", actor: Any = None,
                     purpose: str = ApiToken.Purpose.GENERAL) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plain token, which is never stored. A device purpose
    is given by the app that binds the token to its place (gates.services.gate_device_create)."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=key[: len(TOKEN_PREFIX) + 6], key_hash=_hash(key),
                     purpose=purpose)
    token.full_clean()
    token.save()
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.TOKEN, obj=token,
                 summary=f"created {purpose} token {token.prefix} for {user.username}")
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, username="cli", action=AuditEvent.Action.TOKEN, obj=token,
                     summary=f"revoked token {token.prefix} of {token.user.username}")
        # This process stops honouring it at once; others within API_TOKEN_CACHE_SECONDS.
        tokencache.changed()
    return token


def api_token_user(key: str) -> User | None:
    """The active user behind a token, or None for an unknown or revoked token."""
    token = api_token_lookup(key)
    return None if token is None else token.user


def api_token_lookup(key: str, *, related: tuple[str, ...] = ()) -> ApiToken | None:
    """The token (with its active user, and the ``related`` objects a caller names, read in the same
    query), or None for an unknown or revoked token."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user", *related).filter(key_hash=_hash(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Write last use at most once a minute: a gate device posts many times a second.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def user_deactivate(*, actor: Any, user: User, request: Any = None) -> User:
    """The user can no longer log in, and their API tokens stop working; their history stays."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        membership = user.memberships.select_related("community").filter(community__isnull=False).first()
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=user, request=request,
                     community=membership.community if membership else None,
                     summary=f"user {user.username} deactivated", before={"is_active": True},
                     after={"is_active": False})
        tokencache.changed()
    return user


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership, request: Any = None) -> None:
    """The user no longer holds the role there (their other memberships stay)."""
    summary = f"membership {membership.role} of {membership.user.username} removed"
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=membership.community, obj=membership.user,
                 request=request, summary=summary)
    membership.delete()
    tokencache.changed()
