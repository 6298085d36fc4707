"""Writing to the audit log: the one function every module calls."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest

from shequ.audit.models import AuditEvent
from shequ.core.bulkwrite import RowInserter, Table


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address, as the audit log and login throttling both see it.

    Behind ``SHEQU_PROXY_COUNT`` trusted proxies (nginx), the client is the entry that many places
    from the right of X-Forwarded-For; anything further left was written by the client and is not
    trusted. With no proxy configured, headers are ignored and the connection's address counts.
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.SHEQU_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


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
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        before=before,
        after=after,
        ip_address=client_address(request),
    )
    # The INSERT statement is built once, as every audited write of the app passes here
    # (core/bulkwrite.py).
    return _INSERT.insert(event)


# What AuditEvent.save() adds to Model.save() is the refusal to update a saved event; the bulk-write
# module only ever inserts new rows.
SKIPS_SAVE = "AuditEvent.save() only refuses updates; these are inserts of new rows"
_INSERT = RowInserter(AuditEvent, skips_save=SKIPS_SAVE)

# (action, object type, object id, before, after): one event of a batch.
BatchEvent = tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]


@transaction.atomic
def audit_record_many(
    *,
    actor: Any,
    community: Any,
    events: Sequence[BatchEvent],
    request: HttpRequest | None = None,
    username: str = "",
) -> int:
    """Many events of one actor in one community at once (the roster import writes one per person
    created or changed): the same columns ``audit_record`` gives, in one bulk statement
    (executemany on SQLite, COPY on PostgreSQL: core/bulkwrite.py ``Table``). The batch function
    for every bulk writer, so that no module outside this app builds AuditEvent rows itself.
    Returns how many were written."""
    if not events:
        return 0
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if is_user else None
    name = (actor.get_username() if is_user else username)[:150]
    community_id = community.pk if isinstance(community, models.Model) else community
    address = client_address(request)
    _MANY.insert([(actor_id, name, action, community_id, object_type, object_id, before, after, address)
                  for action, object_type, object_id, before, after in events])
    return len(events)


_MANY = Table(AuditEvent, ("actor_id", "actor_username", "action", "community_id", "object_type", "object_id",
                           "before", "after", "ip_address"), skips_save=SKIPS_SAVE)


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the fields that changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
