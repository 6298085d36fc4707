"""Writing to the audit log: the one function every module calls."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from shequ.audit.models import AuditEvent


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind nginx the app sees the proxy; nginx sets X-Real-IP (docs/deployment.md).
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: Any,
    action: str,
    community: Any = None,
    obj: models.Model | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    username: str = "",
) -> AuditEvent:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        actor=actor if is_user else None,
        actor_username=(actor.get_username() if is_user else username)[:150],
        action=action,
        community=community,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        before=before,
        after=after,
        ip_address=client_address(request),
    )
    event.save()
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the fields that changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
