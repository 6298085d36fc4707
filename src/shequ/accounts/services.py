"""Writes for accounts: API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.accounts import tokencache
from shequ.accounts.models import ApiToken, User
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
        transaction.on_commit(tokencache.forget_all)
        tokencache.forget_all()
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
