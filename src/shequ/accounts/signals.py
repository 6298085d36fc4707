"""Logins, logouts and failed logins are audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record


def _community(user: Any) -> Any:
    membership = user.memberships.select_related("community").filter(community__isnull=False).first()
    return membership.community if membership else None


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, community=_community(user), request=request)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=AuditEvent.Action.LOGOUT, community=_community(user), request=request)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first()
    audit_record(
        actor=None,
        username=username,
        action=AuditEvent.Action.LOGIN_FAILED,
        community=_community(user) if user else None,
        request=request,
    )
