"""The gate ledger: scoping, filters, the local day boundary, the Excel export (audited, masked by
role), who is out now and counts per hour. Passages go through record_passage, the real path."""

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

from shequ.accounts.models import User
from shequ.audit.models import AuditEvent
from shequ.core.masking import mask_name, mask_phone
from shequ.gates import ledger
from shequ.gates.models import Gate, Passage
from shequ.gates.rules import Checks
from shequ.gates.services import record_passage, visitor_register
from shequ.registry.models import Household, Person
from tests.conftest import FixedClock as Clock
from tests.facts import give_numbers

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2022, 4, 5)


@pytest.fixture(autouse=True)
def _on_the_next_day(clock: Clock) -> None:
    """The server's clock stands on the day after DAY: DAY's passages are within the week a
    passage may be recorded after the fact (services.RECORDED_BACK)."""
    clock.at = _local(DAY + dt.timedelta(days=1), 12)


def _post() -> Gate:
    return Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")


def _resident(household: Household) -> Person:
    """The household's first member, with a phone of their own (tests/facts.py)."""
    return give_numbers(household.persons.filter(status="active").order_by("id").first())


def _pass(gate: Gate, person: Person | None, at: dt.datetime, *, direction: str = "in", temperature: str = "36.5",
          code: str = "green", credential: str | None = None) -> Passage:
    checks = Checks(direction=direction, temperature=Decimal(temperature), health_code=code, mask=True)
    return record_passage(gate=gate, actor=User.objects.get(username="gate1"), checks=checks, client_id=uuid.uuid4(),
                          recorded_at=at, person=person, credential=credential).passage


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


# -- scoping -------------------------------------------------------------------------------------------
def test_guard_reads_only_the_ledger_of_their_own_gate(login: Any) -> None:
    post = _post()
    other = Gate.objects.filter(community=post.community).exclude(pk=post.pk).first()
    client = login("gate1")
    assert client.get(reverse("gates:ledger", args=[post.pk])).status_code == 200
    assert client.get(reverse("gates:ledger", args=[other.pk])).status_code == 404
    # Nor its hourly counts or passages.
    passage = _pass(other, None, timezone.now() - dt.timedelta(minutes=5), credential="13900000000")
    assert client.get(reverse("gates:passage", args=[passage.pk])).status_code == 404
    html = client.get(reverse("gates:hourly")).content.decode()
    assert str(post.name) in html and f'href="{reverse("gates:ledger", args=[other.pk])}' not in html


def test_gate_of_another_community_is_404_for_futong_staff(login: Any) -> None:
    elsewhere = Gate.objects.exclude(community__code="futong").first()
    client = login("staff")
    assert client.get(reverse("gates:ledger", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("gates:out_compound", args=[elsewhere.compound_id])).status_code == 404
    assert client.post(reverse("gates:gate_status", args=[elsewhere.pk]), {"status": "closed"}).status_code == 404


def test_outsider_sees_nothing_of_futong(login: Any, anchor_household: Household) -> None:
    post = _post()
    passage = _pass(post, _resident(anchor_household), timezone.now() - dt.timedelta(minutes=5))
    client = login("outsider")
    assert client.get(reverse("gates:ledger", args=[post.pk])).status_code == 404
    assert client.get(reverse("gates:passage", args=[passage.pk])).status_code == 404
    assert client.get(reverse("gates:out_compound", args=[post.compound_id])).status_code == 404
    assert client.get(reverse("gates:ledger", args=[post.pk]) + "?format=xlsx").status_code == 404
    for page in ("gates:gates", "gates:out", "gates:hourly"):
        assert post.compound.name not in client.get(reverse(page)).content.decode()


def test_roles_without_the_ledger_are_refused(login: Any) -> None:
    url = reverse("gates:ledger", args=[_post().pk])
    for role in ("grid1", "volunteer1", "resident1", "property1"):
        assert login(role).get(url).status_code == 403


# -- the day and the filters -------------------------------------------------------------------------
def test_the_day_runs_from_local_midnight_to_midnight(login: Any, anchor_household: Household) -> None:
    gate, person = _post(), _resident(anchor_household)
    early = _pass(gate, person, _local(DAY, 0, 30))  # 2022-04-04 16:30 UTC: the UTC date is the day before
    late = _pass(gate, person, _local(DAY, 23, 30), direction="out")
    next_day = _pass(gate, person, _local(DAY + dt.timedelta(days=1), 0, 10))  # same UTC date as `late`
    before = _pass(gate, person, _local(DAY, 0, 0) - dt.timedelta(minutes=1))
    ids = set(ledger.ledger(gate, DAY).values_list("id", flat=True))
    assert early.pk in ids and late.pk in ids
    assert next_day.pk not in ids and before.pk not in ids
    page = login("staff").get(reverse("gates:ledger", args=[gate.pk]), {"date": DAY.isoformat()})
    assert page.context["page"].paginator.count == 2
    assert "00:30:00" in page.content.decode() and "23:30:00" in page.content.decode()


def test_filters_direction_decision_subject_and_offline(login: Any, anchor_household: Household) -> None:
    gate, person = _post(), _resident(anchor_household)
    allowed_in = _pass(gate, person, _local(DAY, 8))
    allowed_out = _pass(gate, person, _local(DAY, 9), direction="out")
    fever = _pass(gate, person, _local(DAY, 10), temperature="38.2")
    unknown = _pass(gate, None, _local(DAY, 11), credential="13900000000")
    offline = record_passage(
        gate=gate, actor=None, client_id=uuid.uuid4(), recorded_at=_local(DAY, 12), person=person,
        checks=Checks(direction="in", temperature=Decimal("36.6"), health_code="green", mask=True),
        offline_decision="allow").passage
    client = login("gate1")
    url = reverse("gates:ledger", args=[gate.pk])

    def ids(**params: str) -> set[int]:
        response = client.get(url, {"date": DAY.isoformat(), **params})
        assert response.status_code == 200
        return {p.pk for p in response.context["page"].object_list}

    assert ids() == {allowed_in.pk, allowed_out.pk, fever.pk, unknown.pk, offline.pk}
    assert ids(direction="out") == {allowed_out.pk}
    assert ids(decision="deny") == {fever.pk, unknown.pk}
    assert ids(subject="person", decision="deny") == {fever.pk}
    assert ids(subject="unidentified") == {unknown.pk}
    assert ids(offline="on") == {offline.pk}
    html = client.get(url, {"date": DAY.isoformat(), "decision": "deny"}).content.decode()
    # Reasons are shown as their translated labels, names masked.
    assert "发热" in html and person.name not in html and mask_name(person.name) in html


def test_visitors_are_marked_and_filtered(login: Any, anchor_household: Household) -> None:
    gate = _post()
    visit = visitor_register(
        gate=gate, actor=None, name="赵访客", phone="13912345678", host_household=anchor_household, reason="送药",
        checks=Checks(direction="in", temperature=Decimal("36.4"), health_code="green", mask=True),
        client_id=uuid.uuid4()).passage
    response = login("staff").get(reverse("gates:ledger", args=[gate.pk]), {"subject": "visitor"})
    assert [p.pk for p in response.context["page"].object_list] == [visit.pk]
    html = response.content.decode()
    assert "赵*客" in html and "赵访客" not in html and "访客" in html  # marked as a visitor


def test_bad_date_falls_back_to_today_and_says_so(login: Any) -> None:
    response = login("staff").get(reverse("gates:ledger", args=[_post().pk]), {"date": "2022-13-45"})
    assert response.status_code == 200
    assert response.context["day"] == ledger.local_today()
    assert response.context["form"].errors["date"]


# -- export ------------------------------------------------------------------------------------------
def _sheet(response: Any) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_export_is_filtered_audited_and_unmasked_for_staff(login: Any, anchor_household: Household) -> None:
    gate, person = _post(), _resident(anchor_household)
    _pass(gate, person, _local(DAY, 8))
    _pass(gate, person, _local(DAY, 9), temperature="38.0")
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    rows = _sheet(login("secretary").get(reverse("gates:ledger", args=[gate.pk]),
                                         {"date": DAY.isoformat(), "decision": "deny", "format": "xlsx"}))
    assert len(rows) == 2  # header + the one refusal
    assert person.name in rows[1] and "38.0" in rows[1] and person.phone in rows[1]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before + 1
    assert event.actor_username == "secretary" and "1 rows, unmasked" in event.summary
    assert event.community_id == gate.community_id


def test_export_by_a_guard_is_masked(login: Any, anchor_household: Household) -> None:
    gate, person = _post(), _resident(anchor_household)
    _pass(gate, person, _local(DAY, 8))
    rows = _sheet(login("gate1").get(reverse("gates:ledger", args=[gate.pk]),
                                     {"date": DAY.isoformat(), "format": "xlsx"}))
    assert len(rows) == 2
    assert person.name not in rows[1] and mask_name(person.name) in rows[1]
    assert person.phone not in rows[1] and mask_phone(person.phone) in rows[1]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert event.actor_username == "gate1" and "masked" in event.summary and "unmasked" not in event.summary


# -- who is out now ----------------------------------------------------------------------------------
def test_who_is_out_follows_in_then_out_then_in(login: Any, anchor_household: Household) -> None:
    gate, person = _post(), _resident(anchor_household)
    now = timezone.now()
    url = reverse("gates:out_compound", args=[gate.compound_id])
    client = login("gate1")

    def out_ids() -> set[int]:
        return {p.person_id for p in client.get(url).context["page"].object_list}

    _pass(gate, person, now - dt.timedelta(hours=3))
    assert person.pk not in out_ids()
    _pass(gate, person, now - dt.timedelta(hours=2), direction="out")
    assert person.pk in out_ids()
    html = client.get(url).content.decode()
    assert mask_name(person.name) in html and anchor_household.room.address in html
    counts = {r["compound"].pk: r["out"] for r in ledger.out_counts(_scope("gate1"))}
    assert counts[gate.compound_id] >= 1
    # A refused entry does not bring them back in; an allowed one does.
    _pass(gate, person, now - dt.timedelta(minutes=90), temperature="38.5")
    assert person.pk in out_ids()
    _pass(gate, person, now - dt.timedelta(hours=1))
    assert person.pk not in out_ids()


def test_a_late_synced_older_passage_does_not_overwrite_presence(anchor_household: Household) -> None:
    gate, person = _post(), _resident(anchor_household)
    now = timezone.now()
    compound = gate.compound
    _pass(gate, person, now - dt.timedelta(hours=1), direction="out")
    _pass(gate, person, now - dt.timedelta(hours=2))  # an offline record from earlier, arriving late
    assert person.pk in {p.person_id for p in ledger.persons_out(compound)}


def test_visitors_inside_until_they_leave(login: Any, anchor_household: Household) -> None:
    gate = _post()
    checks_in = Checks(direction="in", temperature=Decimal("36.4"), health_code="green", mask=True)
    visit = visitor_register(gate=gate, actor=None, name="钱来客", phone="13912345679",
                             host_household=anchor_household, reason="探亲", checks=checks_in,
                             client_id=uuid.uuid4()).passage
    url = reverse("gates:out_compound", args=[gate.compound_id])
    client = login("staff")
    assert visit.pk in {p.pk for p in client.get(url).context["visitors"]}
    record_passage(gate=gate, actor=None, client_id=uuid.uuid4(), visitor=visit.visitor,
                   checks=Checks(direction="out", temperature=None, health_code="green", mask=True))
    assert visit.pk not in {p.pk for p in client.get(url).context["visitors"]}


def _scope(username: str) -> Any:
    from shequ.accounts.access import scope_for

    return scope_for(User.objects.get(username=username))


# -- counts per hour ---------------------------------------------------------------------------------
def test_hourly_counts_in_out_refused_by_local_hour(login: Any, anchor_household: Household) -> None:
    gate, person = _post(), _resident(anchor_household)
    _pass(gate, person, _local(DAY, 8, 10))
    _pass(gate, person, _local(DAY, 8, 20), direction="out")
    _pass(gate, person, _local(DAY, 8, 50))
    _pass(gate, person, _local(DAY, 9, 5), temperature="37.5")
    _pass(gate, person, _local(DAY, 0, 5), direction="out", code="red")  # 16:05 UTC the day before
    rows = {r.gate.pk: r for r in ledger.hourly_counts(_scope("secretary"), DAY)}
    hours = rows[gate.pk].hours
    assert (hours[8].entered, hours[8].left, hours[8].refused) == (2, 1, 0)
    assert (hours[9].entered, hours[9].left, hours[9].refused) == (0, 0, 1)
    assert hours[0].refused == 1 and hours[16].refused == 0
    total = rows[gate.pk].total
    assert (total.entered, total.left, total.refused) == (2, 1, 2)
    other = next(g for g in rows if g != gate.pk)
    assert rows[other].total.entered == 0
    html = login("secretary").get(reverse("gates:hourly"), {"date": DAY.isoformat()}).content.decode()
    assert "08:00" in html and "09:00" in html
