"""Permits at the gate: a permit in force lets its holder through the containment rule it covers
(a movement restriction, a sealed area, a sealed host) and nothing else; the verdict names the
approver, the ledger records the permit; an expired, revoked or misplaced permit does not apply;
a permit rides on the statement that reads the pass (no statement more per passage); a guard
requests one from a refusal and sees the office's answer on the screen; the device API shows it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.accounts.models import User
from shequ.alerts.models import Alert
from shequ.containment import services as containment
from shequ.containment.alert_kinds import PERMIT_REQUESTED
from shequ.containment.models import ContainmentArea, Level, MovementRestriction, Permit, RestrictionKind
from shequ.core.submission import new_key
from shequ.gates import services
from shequ.gates.models import Gate, Passage
from shequ.registry.models import Household, Person
from tests.conftest import FixedClock as Clock
from tests.gates.test_api_helpers import api_client, body, device_token, members, post, post_gate, token_of

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = {"HTTP_ACCEPT": "application/json", **EN}
HOUR = dt.timedelta(hours=1)


def _restricted(person: Person, at: dt.datetime) -> None:
    MovementRestriction.objects.create(community_id=person.community_id, person=person,
                                       kind=RestrictionKind.HOME_QUARANTINE, starts_at=at - 24 * HOUR)


def _grant(person: Person | None, place: Any, *, hours: float = 2, actor: str = "secretary", **visitor: str) -> Permit:
    return containment.permit_grant(actor=User.objects.get(username=actor), place=place, reason="就医",
                                    ends_at=timezone.now() + hours * HOUR, person=person, **visitor)


def _leave(person: Person, *, temperature: str | None = None, gate: Gate | None = None) -> Passage:
    checks = services.parse_checks(direction="out", temperature=temperature, health_code="green", mask=True)
    return services.record_passage(gate=gate or post_gate(), actor=None, checks=checks, client_id=uuid.uuid4(),
                                   credential=token_of(person)).passage


def _approver() -> str:
    user = User.objects.get(username="secretary")
    return user.first_name or user.username


# -- the rules with a permit ---------------------------------------------------------------------


def test_a_permit_lets_a_restricted_resident_leave_and_is_recorded(anchor_household: Household, clock: Clock) -> None:
    clock.at = timezone.localtime(timezone.now()).replace(hour=9, minute=0, second=0, microsecond=0)
    person = members(anchor_household)[0]
    _restricted(person, clock.at)
    assert _leave(person).reasons == ["movement_restricted"]
    permit = _grant(person, person.household.room, hours=3)
    passage = _leave(person)
    assert (passage.decision, passage.reasons, passage.permit) == ("allow", [], permit)
    assert not Alert.objects.filter(url=reverse("gates:passage", args=[passage.pk])).exists()
    # ... until it is over: an expired permit no longer applies.
    clock.advance(hours=3)
    late = _leave(person)
    assert (late.decision, late.reasons, late.permit) == ("deny", ["movement_restricted"], None)


def test_a_permit_lets_a_resident_out_of_a_sealed_building_but_not_with_a_fever(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    building = person.household.room.unit.building
    ContainmentArea.objects.create(community_id=person.community_id, level=Level.SEALED, building=building,
                                   starts_at=timezone.now() - HOUR)
    permit = _grant(person, building)
    assert (_leave(person).decision, _leave(person).permit) == ("allow", permit)
    feverish = _leave(person, temperature="38.5")
    # The permit lifted the seal; the fever still refuses (and alerts), and the ledger says both.
    assert (feverish.decision, feverish.reasons, feverish.permit) == ("deny", ["fever"], permit)


def test_a_permit_at_another_place_a_revoked_one_or_one_not_yet_begun_does_not_apply(
        anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    _restricted(person, timezone.now())
    room = person.household.room
    other = Household.objects.filter(room__unit__building=room.unit.building, status="active").exclude(
        room=room).select_related("room").first()
    Permit.objects.create(community_id=person.community_id, person=person, room=other.room, reason="x",
                          status=Permit.Status.APPROVED, starts_at=timezone.now() - HOUR,
                          ends_at=timezone.now() + HOUR)
    Permit.objects.create(community_id=person.community_id, person=person, room=room, reason="later",
                          status=Permit.Status.APPROVED, starts_at=timezone.now() + HOUR,
                          ends_at=timezone.now() + 2 * HOUR)
    containment.permit_revoke(actor=None, permit=_grant(person, room))
    passage = _leave(person)
    assert (passage.reasons, passage.permit) == (["movement_restricted"], None)


def test_a_visitor_with_a_permit_comes_in_to_a_sealed_household(login: Any) -> None:
    gate = Gate.objects.get(community__code="futong", compound__name="江南家园", name="东门")
    host = Household.objects.filter(room__unit__building__compound=gate.compound, room__unit__building__number="3",
                                    room__unit__number="1", status="active").select_related("room__unit").first()
    permit = _grant(None, host.room.unit, visitor_name="李医生", visitor_phone="13907150001")
    client = login("staff")  # gate1 is posted to another compound
    url = reverse("gates:screen_visitor", args=[gate.pk])
    data = {"client_id": str(uuid.uuid4()), "name": "李医生", "phone": "139-0715-0001", "id_number": "",
            "host": host.room.address, "reason": "上门诊疗", "vehicle_plate": "", "temperature": "36.4",
            "health_code": "green", "mask": "yes"}
    html = client.post(url, data, **EN).content.decode()
    passage = Passage.objects.get(client_id=data["client_id"])
    assert (passage.decision, passage.reasons, passage.permit) == ("allow", [], permit)
    assert f"permit by {_approver()}, until" in html
    # Somebody else at the same door, with another phone: refused as before.
    other = {**data, "client_id": str(uuid.uuid4()), "name": "张三", "phone": "13907150002"}
    client.post(url, other, **EN)
    assert Passage.objects.get(client_id=other["client_id"]).reasons == ["host_sealed"]


def test_a_permit_adds_no_statement_to_a_passage(anchor_household: Household) -> None:
    """The permit is read with the pass, in the statement that reads the person's restriction,
    containment level and the gate's quota: a scanned pass is one SELECT and one INSERT with a
    permit in force as without one (savepoints aside, which the test's own transaction causes)."""
    person, other = members(anchor_household)[:2]
    _restricted(person, timezone.now())
    _grant(person, person.household.room)
    gate = post_gate()
    checks = services.parse_checks(direction="out", temperature=None, health_code="green", mask=True)
    statements = []
    for who in (person, other):
        credential = token_of(who)
        with CaptureQueriesContext(connection) as queries:
            passage = services.record_passage(gate=gate, actor=None, checks=checks, client_id=uuid.uuid4(),
                                              credential=credential).passage
        assert passage.decision == "allow"
        statements.append([q["sql"].split()[0].upper() for q in queries.captured_queries
                           if "SAVEPOINT" not in q["sql"].upper()])
    assert statements == [["SELECT", "INSERT"], ["SELECT", "INSERT"]]
    assert Passage.objects.filter(person=person).latest("id").permit_id is not None


# -- the screen ----------------------------------------------------------------------------------


def _form(credential: str, **changes: Any) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "credential": credential, "direction": "out", "temperature": "",
            "health_code": "green", "mask": "yes"} | changes


def test_the_verdict_shows_who_approved_the_permit(login: Any, anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    _restricted(person, timezone.now())
    _grant(person, person.household.room)
    client = login("gate1")
    data = client.post(reverse("gates:screen", args=[post_gate().pk]), _form(token_of(person)), **JSON).json()
    assert data["decision"] == "allow" and data["permit"]["by"] == _approver()
    assert data["permit"]["label"].startswith(f"permit by {_approver()}, until ")
    html = client.post(reverse("gates:screen", args=[post_gate().pk]), _form(token_of(person)), **EN).content.decode()
    assert "verdict-allow" in html and f"permit by {_approver()}" in html


def test_a_guard_requests_a_permit_and_sees_the_offices_answer(login: Any, anchor_household: Household,
                                                               users: dict[str, Any]) -> None:
    person = members(anchor_household)[0]
    _restricted(person, timezone.now())
    gate = post_gate()
    guard = login("gate1")
    refused = guard.post(reverse("gates:screen", args=[gate.pk]), _form(token_of(person)), **JSON).json()
    assert refused["reasons"] == ["movement_restricted"] and refused["permit_request_url"]
    page = guard.get(refused["permit_request_url"], **EN)
    assert page.status_code == 200 and "Request a permit" in page.content.decode()
    form = {"submission_key": new_key(), "passage": str(refused["passage_id"]), "reason": "去医院透析", "hours": "4"}
    first = guard.post(reverse("gates:screen_permit", args=[gate.pk]), form, **EN)
    again = guard.post(reverse("gates:screen_permit", args=[gate.pk]), form, **EN)  # a double tap
    assert first.status_code == again.status_code == 302
    [permit] = Permit.objects.filter(person=person, status=Permit.Status.REQUESTED)
    assert permit.requested_where == str(gate) and permit.room_id == person.household.room_id
    assert Alert.objects.filter(kind=PERMIT_REQUESTED.code, params__permit=permit.pk).count() == 1
    listed = guard.get(reverse("gates:screen_permits", args=[gate.pk]), **JSON).json()["permits"]
    assert [(p["id"], p["status"]) for p in listed if p["id"] == permit.pk] == [(permit.pk, "waiting")]

    containment.permit_approve(actor=users["secretary"], permit=permit)
    listed = guard.get(reverse("gates:screen_permits", args=[gate.pk]), **JSON).json()["permits"]
    [row] = [p for p in listed if p["id"] == permit.pk]
    assert row["status"] == "in_force" and row["status_label"].startswith(f"permit by {_approver()}")
    allowed = guard.post(reverse("gates:screen", args=[gate.pk]), _form(token_of(person)), **JSON).json()
    assert allowed["decision"] == "allow" and allowed["permit"]["id"] == permit.pk


def test_a_refused_request_shows_the_offices_note(login: Any, anchor_household: Household,
                                                  users: dict[str, Any]) -> None:
    person = members(anchor_household)[0]
    now = timezone.now()
    permit = containment.permit_request(actor=users["gate1"], place=person.household.room, reason="购物",
                                        starts_at=now, ends_at=now + HOUR, person=person, where="东门")
    containment.permit_refuse(actor=users["staff"], permit=permit, note="请用代购")
    rows = login("gate1").get(reverse("gates:screen_permits", args=[post_gate().pk]), **JSON).json()["permits"]
    [row] = [p for p in rows if p["id"] == permit.pk]
    assert row["status"] == "refused" and "请用代购" in row["status_label"]
    html = login("gate1").get(reverse("gates:screen", args=[post_gate().pk]), **EN).content.decode()
    assert "Permits here" in html and "请用代购" in html


@pytest.mark.parametrize("case", ["fever only", "another gate", "no such passage"])
def test_a_permit_is_requested_only_for_a_containment_refusal_at_this_gate(login: Any, anchor_household: Household,
                                                                           case: str) -> None:
    person = members(anchor_household)[0]
    if case == "fever only":
        passage = services.record_passage(
            gate=post_gate(), actor=None, client_id=uuid.uuid4(), credential=token_of(person),
            checks=services.parse_checks(direction="in", temperature="38.5", health_code="green", mask=True)).passage
        passage_id, gate = passage.pk, post_gate()
    elif case == "another gate":
        _restricted(person, timezone.now())
        passage_id = _leave(person).pk
        gate = Gate.objects.get(community__code="futong", compound__name="富通小区", name="南门")
    else:
        passage_id, gate = 10**9, post_gate()
    client = login("staff")
    assert client.get(reverse("gates:screen_permit", args=[gate.pk]), {"passage": passage_id}).status_code == 404
    response = client.post(reverse("gates:screen_permit", args=[gate.pk]),
                           {"submission_key": new_key(), "passage": passage_id, "reason": "x", "hours": "2"})
    assert response.status_code == 404
    assert not Permit.objects.filter(person=person).exists()


def test_a_request_without_a_reason_is_an_error_on_the_field(login: Any, anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    _restricted(person, timezone.now())
    passage = _leave(person)
    response = login("gate1").post(reverse("gates:screen_permit", args=[post_gate().pk]),
                                   {"submission_key": new_key(), "passage": passage.pk, "reason": "", "hours": "2"},
                                   **EN)
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert not Permit.objects.filter(person=person).exists()


def test_the_visitor_form_is_filled_from_a_visitors_permit(login: Any) -> None:
    gate = Gate.objects.get(community__code="futong", compound__name="江南家园", name="东门")
    host = Household.objects.filter(room__unit__building__compound=gate.compound, status="active").select_related(
        "room__unit__building").first()
    permit = _grant(None, host.room, visitor_name="王师傅", visitor_phone="13907150466")
    html = login("staff").get(reverse("gates:screen_visitor", args=[gate.pk]), {"permit": permit.pk},
                              **EN).content.decode()
    assert 'value="王师傅"' in html and f'value="{host.room.address}"' in html and 'value="就医"' in html
    assert "13907150466" not in html  # typed again: the gate matches the permit by it
    # A permit of another compound fills nothing.
    elsewhere = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    html = login("staff").get(reverse("gates:screen_visitor", args=[elsewhere.pk]), {"permit": permit.pk},
                              **EN).content.decode()
    assert "王师傅" not in html


# -- the ledger and the device API ----------------------------------------------------------------


def test_the_ledger_and_the_passage_page_show_the_permit(login: Any, anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    _restricted(person, timezone.now())
    permit = _grant(person, person.household.room)
    passage = _leave(person)
    client = login("secretary")
    # The ledger runs oldest first: the passage is on the last page.
    ledger = client.get(reverse("gates:ledger", args=[post_gate().pk]), {"page": 1000}, **EN).content.decode()
    assert f"permit by {_approver()}" in ledger
    detail = client.get(reverse("gates:passage", args=[passage.pk]), **EN).content.decode()
    assert reverse("containment:permit", args=[permit.pk]) in detail and "就医" in detail


def test_the_device_api_names_the_permit(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    _restricted(person, timezone.now())
    permit = _grant(person, person.household.room)
    device = api_client(device_token(post_gate().pk))
    out = post(device, post_gate().pk, body(token_of(person), direction="out", temperature=None)).json()
    assert out["decision"] == "allow" and out["reasons"] == []
    assert out["permit"]["id"] == permit.pk and out["permit"]["approved_by"] == _approver()
