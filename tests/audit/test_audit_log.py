"""The audit log is append-only, below the app too, and the secretary can read it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _event() -> AuditEvent:
    return audit_record(actor=None, username="tester", action=AuditEvent.Action.EXPORT, summary="x")


def test_model_refuses_update_and_delete() -> None:
    event = _event()
    event.summary = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_database_refuses_update_and_delete() -> None:
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).summary == "x"


def test_secretary_reads_own_community_log(login: Any, anchor_household: Any) -> None:
    person = anchor_household.persons.first()
    login("staff").post(reverse("registry:person", args=[person.pk]))
    html = login("secretary").get(reverse("audit:events"), {"action": "reveal"}).content.decode()
    assert "staff" in html and str(person.pk) in html
    assert login("staff").get(reverse("audit:events")).status_code == 403


def test_outsider_secretary_scope_excludes_other_community(login: Any, anchor_household: Any) -> None:
    from shequ.accounts.access import scope_for
    from shequ.accounts.models import User

    person = anchor_household.persons.first()
    login("staff").post(reverse("registry:person", args=[person.pk]))
    secretary = scope_for(User.objects.get(username="secretary"))
    visible = secretary.filter(AuditEvent.objects.all())
    assert visible.filter(action="reveal").exists()
    assert not visible.exclude(community__code="futong").exists()


def test_audit_filter_survives_control_characters(login: Any) -> None:
    assert login("secretary").get(reverse("audit:events"), {"user": "a\x00b", "action": "\x00"}).status_code == 200
