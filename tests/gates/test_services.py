"""record_passage and what it reads, on the demo world: restrictions in force, containment levels (the
strictest wins), exit quotas, presence, alerts, identification, visitors, idempotency."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shequ.accounts.models import User
from shequ.alerts.models import Alert
from shequ.containment import services as containment
from shequ.containment.models import (
    ContainmentArea,
    ExitQuota,
    Level,
    MovementRestriction,
    Permit,
    RestrictionKind,
)
from shequ.containment.selectors import place_facts
from shequ.gates import services
from shequ.gates.alert_kinds import GATE_OFFLINE_DIFFERS, GATE_REFUSED
from shequ.gates.models import Gate, Passage, Presence, Visitor
from shequ.gates.rules import Checks
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass
from shequ.passes.services import identify, pass_issue
from shequ.registry.models import Household, Person, Unit
from tests.conftest import FixedClock as Clock
from tests.facts import give_numbers
from tests.gates.test_api_helpers import gate, members, post_gate, token_of

pytestmark = pytest.mark.django_db

# The moment of each test, on the fixed clock (tests/conftest.py clock): the demo's restrictions,
# levels and quotas are in force then, and every timezone.now() of the code under test says so too.
NOW: dt.datetime


@pytest.fixture(autouse=True)
def _fixed_now(clock: Any) -> None:
    global NOW
    NOW = clock.at


def checks(direction: str = "in", temperature: str | None = "36.5", health_code: str = "green",
           mask: bool = True) -> Checks:
    return services.parse_checks(direction=direction, temperature=temperature, health_code=health_code, mask=mask)


def record(at_gate: Gate, person: Person, direction: str = "in", *, client_id: uuid.UUID | None = None,
           at: dt.datetime | None = None, **kw: Any) -> services.PassageResult:
    offline = kw.pop("offline_decision", "")
    return services.record_passage(gate=at_gate, actor=None, checks=checks(direction, **kw),
                                   client_id=client_id or uuid.uuid4(), recorded_at=at, credential=token_of(person),
                                   offline_decision=offline)


def loaded(person: Person) -> Person:
    return Person.objects.select_related("household__room__unit__building__compound").get(pk=person.pk)


def standing(person: Person, at: dt.datetime, direction: str = "out", at_gate: Gate | None = None) -> Any:
    return services.standing_of(gate=at_gate or post_gate(), person=loaded(person), problem=None, at=at,
                                direction=direction)


def jiangnan_household(*, size: int = 2) -> Household:
    """A household of 江南家园 (exit quota 1 per 2 days, controlled) outside its sealed unit 3-1."""
    for household in (Household.objects.filter(status="active", room__unit__building__compound__name="江南家园")
                      .exclude(room__unit__building__number="3", room__unit__number="1").order_by("id")):
        if len(members(household)) >= size and not MovementRestriction.objects.filter(
                person__household=household).exists():
            return household
    raise AssertionError("no such household in the demo")


# -- restrictions, containment levels --------------------------------------------------------------
def test_a_restriction_holds_only_between_its_start_and_end(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    MovementRestriction.objects.create(community_id=person.community_id, person=person,
                                       kind=RestrictionKind.HOME_QUARANTINE, starts_at=NOW + dt.timedelta(hours=1),
                                       ends_at=NOW + dt.timedelta(hours=2))
    assert standing(person, NOW).restricted is False
    assert standing(person, NOW + dt.timedelta(hours=1)).restricted is True
    assert standing(person, NOW + dt.timedelta(minutes=119)).restricted is True
    assert standing(person, NOW + dt.timedelta(hours=2)).restricted is False
    # And the passage: refused leaving while it holds, allowed coming home.
    during = NOW - dt.timedelta(minutes=1)
    MovementRestriction.objects.create(community_id=person.community_id, person=person,
                                       kind=RestrictionKind.HOME_QUARANTINE, starts_at=during)
    assert record(post_gate(), person, "out").passage.reasons == ["movement_restricted"]
    assert record(post_gate(), person, "in").passage.decision == "allow"


def _area(level: str, place: Any, starts: dt.timedelta = dt.timedelta(hours=-1),
          ends: dt.timedelta | None = None) -> ContainmentArea:
    kind = type(place).__name__.lower()
    return ContainmentArea.objects.create(community_id=place.community_id, level=level, **{kind: place},
                                          starts_at=NOW + starts, ends_at=None if ends is None else NOW + ends)


def test_containment_at_unit_building_or_compound_and_the_strictest_wins(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    unit = anchor_household.room.unit
    assert standing(person, NOW).level is None
    _area(Level.PRECAUTION, unit.building.compound)
    assert standing(person, NOW).level == "precaution"
    _area(Level.CONTROLLED, unit)
    assert standing(person, NOW).level == "controlled"
    _area(Level.SEALED, unit.building, starts=dt.timedelta(hours=1))  # not yet
    assert standing(person, NOW).level == "controlled"
    assert standing(person, NOW + dt.timedelta(hours=2)).level == "sealed"
    assert record(post_gate(), person, "out").passage.decision == "allow"
    _area(Level.SEALED, unit.building.compound, starts=dt.timedelta(hours=-3), ends=dt.timedelta(hours=-2))  # over
    assert standing(person, NOW).level == "controlled"
    _area(Level.SEALED, unit.building)
    assert standing(person, NOW).level == "sealed"
    out = record(post_gate(), person, "out").passage
    assert (out.decision, out.reasons) == ("deny", ["area_sealed"])
    assert record(post_gate(), person, "in").passage.decision == "allow"  # coming home is allowed


def test_the_facts_read_with_a_pass_are_those_of_the_one_statement_standing(anchor_household: Household) -> None:
    """A pass scanned at a gate is read with the person's restriction, the containment level and
    the gate's exit quota in one statement: the same facts as containment's place_facts reads on its own."""
    compound = anchor_household.room.unit.building.compound
    units = list(Unit.objects.filter(building__compound=compound).select_related("building").order_by("id")[:9])
    for i, unit in enumerate(units[:6]):
        _area([Level.SEALED, Level.CONTROLLED, Level.PRECAUTION][i % 3], [unit, unit.building][i % 2],
              starts=dt.timedelta(hours=-(i % 4)), ends=dt.timedelta(hours=1 + i % 2) if i % 3 else None)
    containment.exit_quota_set(actor=None, compound=compound, persons=1, days=2, starts_at=NOW - dt.timedelta(hours=1))
    persons = list(Person.objects.filter(status="active", household__room__unit__in=units)
                   .select_related("household__room__unit__building__compound").order_by("id"))
    for p in persons[::5]:
        MovementRestriction.objects.create(community_id=p.community_id, person=p, kind=RestrictionKind.OTHER,
                                           starts_at=NOW - dt.timedelta(hours=1), ends_at=NOW + dt.timedelta(hours=1))
    # Permits at every kind of place around the person's home, some over, some elsewhere.
    for i, p in enumerate(persons[1::4]):
        room = p.household.room
        place = [room, room.unit, room.unit.building, compound, _elsewhere(room)][i % 5]
        _permit(p, place, starts=dt.timedelta(hours=-(i % 3)), ends=dt.timedelta(hours=1 + i % 2))
    seen = set()
    for at in (NOW - dt.timedelta(hours=3), NOW, NOW + dt.timedelta(minutes=90)):
        for p in persons:
            found = services.identify_at_gate(gate_compound_id=post_gate().compound_id,
                                              community_id=p.community_id, credential=token_of(p), at=at)
            assert found.person == p and found.problem is None
            alone = place_facts(person_id=p.pk, room=p.household.room, gate_compound_id=post_gate().compound_id,
                                at=at)
            assert found.facts == alone, (p, at)
            expected_permit = [x.pk for x in Permit.objects.filter(person=p).order_by("-ends_at")
                               if x.in_force(at) and x.covers(**_home(p))][:1]
            assert ([alone[3]] if alone[3] else []) == expected_permit, (p, at)
            seen.add((alone[0], alone[1], alone[2] is not None, alone[3] is not None))
    assert {r for r, _l, _q, _p in seen} == {True, False}
    assert {level for _r, level, _q, _p in seen} >= {None, "sealed", "controlled", "precaution"}
    assert {q for _r, _l, q, _p in seen} == {True, False}
    assert {p for _r, _l, _q, p in seen} == {True, False}


def _home(person: Person) -> dict[str, int]:
    room = person.household.room
    return {"room_id": room.pk, "unit_id": room.unit_id, "building_id": room.unit.building_id,
            "compound_id": room.unit.building.compound_id}


def _elsewhere(room: Any) -> Any:
    """A unit of the same compound that is not the room's."""
    return Unit.objects.filter(building__compound_id=room.unit.building.compound_id).exclude(pk=room.unit_id).first()


def _permit(person: Person, place: Any, *, starts: dt.timedelta = dt.timedelta(hours=-1),
            ends: dt.timedelta = dt.timedelta(hours=1), status: str = Permit.Status.APPROVED) -> Permit:
    """A permit row as the services would store it (the services' own checks have their own tests)."""
    return Permit.objects.create(community_id=person.community_id, person=person, reason="test",
                                 **{place._meta.model_name: place}, starts_at=NOW + starts, ends_at=NOW + ends,
                                 status=status, decided_by=User.objects.get(username="secretary"))


# -- exit quota ------------------------------------------------------------------------------------
def test_quota_counts_only_allowed_exits_of_the_household_in_the_period_at_that_compound() -> None:
    household = jiangnan_household()
    first, second = members(household)[:2]
    east = gate("江南家园", "东门", household.community.code)
    quota = ExitQuota.objects.get(compound__name="江南家园", ends_at__isnull=True)
    assert (quota.persons, quota.days) == (1, 2)
    assert standing(first, NOW, at_gate=east).quota_left == 1
    assert standing(first, NOW, "in", at_gate=east).quota_left is None  # entering: not counted
    # A refused exit (fever) uses nothing; an entry neither.
    assert record(east, first, "out", temperature="38.0").passage.decision == "deny"
    record(east, first, "in")
    assert standing(second, NOW, at_gate=east).quota_left == 1
    # An exit three days ago, outside the two-day period, counts no more.
    old = record(east, first, "out", at=NOW - dt.timedelta(days=3)).passage
    assert old.decision == "allow"
    assert standing(second, NOW, at_gate=east).quota_left == 1
    # An exit recorded at another compound's gate with this household does not count here.
    Passage.objects.create(community_id=household.community_id, gate=post_gate(), household=household,
                           person=first, recorded_at=NOW - dt.timedelta(hours=1), direction="out",
                           health_code="green", mask=True, decision="allow", temperature="36.5")
    assert standing(second, NOW, at_gate=east).quota_left == 1
    # One allowed exit: the household's quota is used, for every member, at every gate of the compound.
    assert record(east, first, "out").passage.decision == "allow"
    refused = record(gate("江南家园", "南门", household.community.code), second, "out").passage
    assert (refused.decision, refused.reasons) == ("deny", ["exit_quota_used"])
    assert record(east, second, "in").passage.decision == "allow"
    # An exit queued offline an hour ago and synced only now is within the period of the one just made.
    late = record(east, second, "out", at=NOW - dt.timedelta(hours=1), offline_decision="allow").passage
    assert late.reasons == ["exit_quota_used"]


def test_no_quota_no_count(anchor_household: Household) -> None:
    assert standing(members(anchor_household)[0], NOW).quota_left is None
    assert not ExitQuota.objects.filter(compound=anchor_household.room.unit.building.compound).exists()


def test_an_ended_quota_no_longer_counts() -> None:
    household = jiangnan_household()
    east = gate("江南家园", "东门", household.community.code)
    quota = ExitQuota.objects.get(compound__name="江南家园", ends_at__isnull=True)
    containment.exit_quota_end(actor=None, quota=quota)
    assert standing(members(household)[0], NOW + dt.timedelta(seconds=2), at_gate=east).quota_left is None


# -- presence, alerts --------------------------------------------------------------------------------
def test_presence_follows_allowed_passages_and_ignores_older_ones(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    record(post_gate(), person, "out", at=NOW - dt.timedelta(minutes=10))
    assert Presence.objects.get(person=person).direction == "out"
    record(post_gate(), person, "in", at=NOW - dt.timedelta(minutes=5))
    presence = Presence.objects.get(person=person)
    assert presence.direction == "in"
    # An offline passage from before arrives late: the newer one stands.
    record(post_gate(), person, "out", at=NOW - dt.timedelta(minutes=8), offline_decision="allow")
    assert Presence.objects.get(person=person).passage_id == presence.passage_id
    # A refusal changes nothing.
    record(post_gate(), person, "out", mask=False)
    assert Presence.objects.get(person=person).passage_id == presence.passage_id


def test_fever_yellow_red_and_restricted_exits_alert_staff_but_no_mask_does_not(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    before = Alert.objects.count()
    fever = record(post_gate(), person, temperature="37.3").passage
    alert = Alert.objects.latest("id")
    assert Alert.objects.count() == before + 1 and alert.kind == GATE_REFUSED.code
    assert alert.community_id == person.community_id and str(fever.pk) in alert.url
    assert "fever (37.3 °C or above)" in alert.params["reasons"] and "*" in alert.params["who"]
    record(post_gate(), person, health_code="yellow")
    record(post_gate(), person, health_code="red")
    assert Alert.objects.count() == before + 3
    record(post_gate(), person, mask=False)
    assert Alert.objects.count() == before + 3


def test_an_offline_decision_that_differs_alerts_staff(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    before = Alert.objects.filter(kind=GATE_OFFLINE_DIFFERS.code).count()
    same = record(post_gate(), person, offline_decision="allow").passage
    assert same.offline and same.offline_decision == "allow"
    assert Alert.objects.filter(kind=GATE_OFFLINE_DIFFERS.code).count() == before
    record(post_gate(), person, mask=False, offline_decision="allow")
    assert Alert.objects.filter(kind=GATE_OFFLINE_DIFFERS.code).count() == before + 1


def test_a_closed_gate_refuses(anchor_household: Household) -> None:
    south = gate("富通小区", "南门")
    services.gate_set_status(actor=None, gate=south, status=Gate.Status.CLOSED)
    refused = record(Gate.objects.get(pk=south.pk), members(anchor_household)[0]).passage
    assert refused.reasons == ["gate_closed"]
    with pytest.raises(ValidationError):  # keep at least one open
        services.gates_close_all_but(actor=None, keep=post_gate())
        services.gate_set_status(actor=None, gate=Gate.objects.get(pk=post_gate().pk), status=Gate.Status.CLOSED)


# -- idempotency -------------------------------------------------------------------------------------
def test_the_same_client_id_twice_gives_the_first_result_and_one_row(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    client_id = uuid.uuid4()
    alerts = Alert.objects.count()
    first = record(post_gate(), person, client_id=client_id, temperature="38.0")
    presence = Presence.objects.filter(person=person).values_list("passage_id", flat=True).first()
    again = record(post_gate(), person, "out", client_id=client_id)  # other checks: the first stands
    assert first.created and not again.created
    assert again.passage.pk == first.passage.pk and again.verdict == first.verdict
    assert again.passage.person == person and again.passage.person.household.room.address == "9-2-502"
    assert Passage.objects.filter(client_id=client_id).count() == 1
    assert Alert.objects.count() == alerts + 1  # the copy raised nothing
    assert Presence.objects.filter(person=person).values_list("passage_id", flat=True).first() == presence


def test_a_client_id_of_another_gate_is_a_conflict(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    client_id = uuid.uuid4()
    record(post_gate(), person, client_id=client_id)
    with pytest.raises(services.ClientIdConflict):
        record(gate("富通小区", "南门"), person, client_id=client_id)
    assert Passage.objects.filter(client_id=client_id).count() == 1


@pytest.mark.parametrize(("offset", "accepted"), [
    (dt.timedelta(days=-7), True),
    (dt.timedelta(days=-7, seconds=-1), False),
    (dt.timedelta(days=-400), False),
    (dt.timedelta(minutes=5), True),
    (dt.timedelta(minutes=5, seconds=1), False),
    (dt.timedelta(days=365), False),
])
def test_a_passage_time_may_be_up_to_7_days_back_and_5_minutes_ahead(
        anchor_household: Household, clock: Clock, offset: dt.timedelta, accepted: bool) -> None:
    """What an offline queue can really hold: a week back; a phone clock a little ahead. Anything
    else is refused naming the field, and nothing is recorded."""
    client_id = uuid.uuid4()
    if accepted:
        assert record(post_gate(), members(anchor_household)[0], at=clock.at + offset, client_id=client_id).created
        return
    with pytest.raises(ValidationError) as e:
        record(post_gate(), members(anchor_household)[0], at=clock.at + offset, client_id=client_id)
    assert list(e.value.message_dict) == ["recorded_at"]
    assert not Passage.objects.filter(client_id=client_id).exists()


def test_a_copy_of_a_recorded_passage_sent_after_7_days_gets_the_first_record(
        anchor_household: Household, clock: Clock) -> None:
    """A device that lost the answer and sends the copy a week later: the server has it, so the copy
    is answered with it (no refusal for its age, nothing recorded twice)."""
    client_id, at = uuid.uuid4(), clock.at
    first = record(post_gate(), members(anchor_household)[0], at=at, client_id=client_id)
    clock.advance(days=8)
    again = record(post_gate(), members(anchor_household)[0], at=at, client_id=client_id)
    assert (again.created, again.passage.pk) == (False, first.passage.pk)


# -- identification ------------------------------------------------------------------------------------
def test_identify_by_pass_id_number_and_phone(anchor_household: Household) -> None:
    person = give_numbers(members(anchor_household)[0])  # a phone nobody else in the community has
    community = person.community_id
    found = identify(community_id=community, credential=token_of(person))
    assert (found.person, found.kind, found.problem) == (person, "pass", None)
    by_id = identify(community_id=community, credential=person.id_number)
    assert (by_id.person, by_id.kind, by_id.problem) == (person, "id", None)
    by_phone = identify(community_id=community, credential=person.phone)
    assert (by_phone.person, by_phone.kind, by_phone.problem) == (person, "phone", None)
    spaced = f"{person.phone[:3]} {person.phone[3:7]} {person.phone[7:]}"
    assert identify(community_id=community, credential=spaced).person == person
    assert identify(community_id=community, credential="13000000000").problem == "unknown_person"
    assert identify(community_id=community, credential="hello").problem == "unknown_person"


def test_the_pass_is_loaded_with_the_same_values_as_the_orm_would(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    found = identify(community_id=person.community_id, credential=token_of(person)).person
    reference = loaded(person)
    chain = ["", "household", "household.room", "household.room.unit", "household.room.unit.building",
             "household.room.unit.building.compound"]
    for path in chain:
        a, b = found, reference
        for attr in filter(None, path.split(".")):
            a, b = getattr(a, attr), getattr(b, attr)
        assert type(a) is type(b)
        for f in type(a)._meta.concrete_fields:
            assert getattr(a, f.attname) == getattr(b, f.attname), (path, f.name)
        assert not a.get_deferred_fields()


def test_revoked_forged_and_foreign_passes_are_refused(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    old_token = token_of(person)
    pass_issue(actor=None, person=person)
    revoked = identify(community_id=person.community_id, credential=old_token)
    assert (revoked.person, revoked.problem) == (person, "pass_revoked")
    assert record(post_gate(), person).passage.decision == "allow"  # the new pass works
    forged = old_token[:-3] + ("aaa" if not old_token.endswith("aaa") else "bbb")
    assert identify(community_id=person.community_id, credential=forged).problem == "pass_invalid"
    unknown = pass_tokens.token_for("no-such-code-000")
    assert identify(community_id=person.community_id, credential=unknown).problem == "pass_invalid"
    other = Pass.objects.exclude(community_id=person.community_id).filter(revoked_at__isnull=True).first()
    assert identify(community_id=person.community_id,
                             credential=pass_tokens.token_for(other.code)).problem == "pass_invalid"


def test_moved_out_and_other_compound_are_identity_problems(anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    other = record(gate("江南家园", "东门"), person).passage
    assert (other.decision, other.reasons, other.household_id) == ("deny", ["other_compound"], None)
    Person.objects.filter(pk=person.pk).update(status=Person.Status.MOVED_OUT)
    gone = record(post_gate(), person).passage
    assert gone.reasons == ["not_active"]


def test_ambiguous_phone_asks_for_a_room_lookup(anchor_household: Household) -> None:
    first, second = members(anchor_household)[:2]
    Person.objects.filter(pk__in=[first.pk, second.pk]).update(phone="13912340000")
    found = identify(community_id=first.community_id, credential="139 1234 0000")
    assert (found.person, found.problem) == (None, "ambiguous_phone")


# -- visitors ------------------------------------------------------------------------------------------
def _visit(host: Household, at_gate: Gate, client_id: uuid.UUID | None = None, **kw: Any) -> services.PassageResult:
    data = {"name": "王小明", "phone": "13912345678", "reason": "送药"} | kw
    return services.visitor_register(gate=at_gate, actor=None, host_household=host, checks=checks(),
                                     client_id=client_id or uuid.uuid4(), **data)


def test_a_visitor_is_registered_and_let_in_once(anchor_household: Household) -> None:
    client_id = uuid.uuid4()
    first = _visit(anchor_household, post_gate(), client_id, vehicle_plate="鄂a12345")
    again = _visit(anchor_household, post_gate(), client_id)
    assert first.passage.decision == "allow" and first.passage.visitor.vehicle_plate == "鄂A12345"
    assert again.passage.pk == first.passage.pk and not again.created
    assert Visitor.objects.filter(passages__client_id=client_id).count() == 1
    assert Visitor.objects.filter(name="王小明", host_household=anchor_household).count() == 1


def test_a_visitor_to_a_sealed_host_is_refused() -> None:
    host = Household.objects.filter(status="active", room__unit__building__compound__name="江南家园",
                                    room__unit__building__number="3", room__unit__number="1").first()
    refused = _visit(host, gate("江南家园", "东门", host.community.code)).passage
    assert (refused.decision, refused.reasons) == ("deny", ["host_sealed"])


def test_visitor_input_errors_name_the_field(anchor_household: Household) -> None:
    with pytest.raises(ValidationError) as e:
        _visit(anchor_household, post_gate(), name=" ", phone="12", reason="", id_number="123")
    assert set(e.value.message_dict) == {"name", "phone", "reason", "id_number"}
    assert not Visitor.objects.filter(host_household=anchor_household).exists()


@pytest.mark.django_db
def test_putting_a_volunteer_on_the_roster_posts_them_to_the_gate(login: Any) -> None:
    """Once on duty at a gate, a volunteer's screen may record there (it was 404 before)."""
    from shequ.gates.services import duty_assign, shifts_ensure_default
    from shequ.workforce.models import Shift

    gate = Gate.objects.get(compound__name="富通小区", name="东门")
    volunteer = User.objects.get(username="volunteer1")
    client = login("volunteer1")
    assert client.get(reverse("gates:screen", args=[gate.pk])).status_code == 404
    shifts_ensure_default(community_id=gate.community_id)
    duty_assign(actor=User.objects.get(username="staff"), gate=gate,
                shift=Shift.objects.filter(community_id=gate.community_id).first(),
                date=timezone.localdate(NOW), guard=volunteer)
    assert login("volunteer1").get(reverse("gates:screen", args=[gate.pk])).status_code == 200


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-Infinity"])
def test_a_temperature_that_is_not_a_number_is_a_field_error(raw: str) -> None:
    from django.core.exceptions import ValidationError

    from shequ.gates.services import parse_checks

    with pytest.raises(ValidationError) as caught:
        parse_checks(direction="in", temperature=raw, health_code="green", mask=True)
    assert "temperature" in caught.value.message_dict
