"""The one export service (audit/exports.py): masking decided once, the audit event written once,
and no export path outside it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from tests.facts import give_numbers

from shequ.accounts.access import scope_for
from shequ.audit.exports import export_masking, export_record
from shequ.audit.models import AuditEvent
from shequ.core.masking import mask_phone
from shequ.gates.models import Gate
from shequ.registry.models import Community

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
SRC = Path(__file__).resolve().parents[2] / "src" / "shequ"


def cells(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.content[:200]
    return [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]


def test_full_values_need_the_capability_in_every_community_and_no_request_for_masked(
        users: dict[str, Any]) -> None:
    futong = Community.objects.get(code="futong")
    other = Community.objects.exclude(pk=futong.pk).order_by("pk").first()
    secretary = scope_for(users["secretary"])
    plain = RequestFactory().get("/x")
    assert export_masking(secretary, [futong.pk], request=plain).unmasked
    assert not export_masking(secretary, [futong.pk, other.pk]).unmasked
    assert not export_masking(secretary, []).unmasked
    assert not export_masking(secretary, [futong.pk], request=RequestFactory().get("/x", {"masked": "1"})).unmasked
    assert not export_masking(scope_for(users["grid1"]), [futong.pk]).unmasked
    masked = export_masking(scope_for(users["grid1"]), [futong.pk])
    assert (masked.phone("13912345678"), masked.id_number(None), masked.label) == (
        mask_phone("13912345678"), "", "masked")


def test_the_event_keeps_the_summary_the_log_reads(users: dict[str, Any], audit_log: Any) -> None:
    futong = Community.objects.get(code="futong")
    masking = export_masking(scope_for(users["staff"]), [futong.pk])
    export_record(actor=users["staff"], community=futong, what="persons", count=3, masking=masking, query="tag=x")
    export_record(actor=users["staff"], community=futong, what="pass cards household=1", count=2, unit="cards",
                  detail="1 passes issued", masking=None)
    assert [(e.action, e.summary) for e in audit_log()] == [
        (AuditEvent.Action.EXPORT, "persons: 3 rows, unmasked; tag=x"),
        (AuditEvent.Action.EXPORT, "pass cards household=1: 2 cards, 1 passes issued"),
    ]


def test_a_secretary_may_ask_for_a_masked_person_list_and_the_log_says_so(
        login: Any, anchor_household: Any, audit_log: Any) -> None:
    person = give_numbers(anchor_household.persons.filter(status="active").order_by("id").first())
    rows = cells(login("secretary").get(reverse("registry:persons"), {"format": "xlsx", "masked": "1"}))
    phones = {r[8] for r in rows[1:]}
    assert person.phone not in phones and mask_phone(person.phone) in phones
    assert audit_log(action=AuditEvent.Action.EXPORT)[-1].summary.startswith("persons: ")
    assert ", masked; " in audit_log(action=AuditEvent.Action.EXPORT)[-1].summary


def test_the_gate_ledger_honours_the_same_choice(login: Any, audit_log: Any) -> None:
    gate = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    today = timezone.localdate().isoformat()
    login("staff").get(reverse("gates:ledger", args=[gate.pk]), {"date": today, "format": "xlsx", "masked": "1"})
    assert re.match(rf"gate ledger {gate.pk} {today}: \d+ rows, masked; ",
                    audit_log(action=AuditEvent.Action.EXPORT)[-1].summary)


def test_no_module_outside_the_export_service_writes_an_export_event() -> None:
    writers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                     if "Action.EXPORT" in p.read_text(encoding="utf-8"))
    # describe.py reads export events back; exports.py is the one writer.
    assert writers == ["audit/describe.py", "audit/exports.py"]
