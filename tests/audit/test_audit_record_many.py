"""The audit app's batch function: the rows audit_record would write, in one statement, and the
one way other modules write many events (no module outside audit builds AuditEvent rows)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record, audit_record_many
from shequ.registry.models import Community, Person

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "shequ"
COLUMNS = ["actor_id", "actor_username", "action", "community_id", "object_type", "object_id", "summary",
           "before", "after", "ip_address"]


def test_a_batch_writes_the_rows_audit_record_writes(users: dict[str, Any], clock: Any) -> None:
    community = Community.objects.get(code="futong")
    person = Person.objects.filter(community=community).order_by("id").first()
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.7")
    one = audit_record(actor=users["staff"], action=AuditEvent.Action.UPDATE, community=community, obj=person,
                       before={"phone": "1"}, after={"phone": "2"}, request=request)
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    written = audit_record_many(actor=users["staff"], community=community, request=request, events=[
        (AuditEvent.Action.UPDATE, "person", str(person.pk), {"phone": "1"}, {"phone": "2"}),
        (AuditEvent.Action.CREATE, "person", "999999", None, {"name": "新人"}),
    ])
    assert written == 2
    batch = list(AuditEvent.objects.filter(id__gt=start).order_by("id").values(*COLUMNS, "at"))
    assert {k: batch[0][k] for k in COLUMNS} == AuditEvent.objects.filter(pk=one.pk).values(*COLUMNS).get()
    assert batch[0]["at"] == one.at
    assert batch[1]["action"] == "create" and batch[1]["before"] is None and batch[1]["ip_address"] == "10.0.0.7"


def test_the_command_line_names_itself(clock: Any) -> None:
    community = Community.objects.get(code="futong")
    audit_record_many(actor=None, username="cli", community=community.pk,
                      events=[(AuditEvent.Action.CREATE, "person", "1", None, {})])
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.actor_id, event.actor_username, event.community_id) == (None, "cli", community.pk)
    assert audit_record_many(actor=None, community=community, events=[]) == 0


_BUILDS_ROWS = re.compile(r"(?<!class )AuditEvent\(|Table\(\s*AuditEvent|RowInserter\(\s*AuditEvent|AuditEvent\.objects\.(bulk_)?create")


def test_no_module_outside_audit_builds_audit_rows() -> None:
    builders = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                      if "migrations" not in p.parts and _BUILDS_ROWS.search(p.read_text(encoding="utf-8")))
    assert builders == ["audit/services.py"]
