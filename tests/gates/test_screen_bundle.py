"""The gate screen's offline bundle: what it holds (and what it never holds), that it agrees with
what the server's rules would use, and that it is built in a few queries, not one per person."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.containment.models import MovementRestriction, RestrictionKind
from shequ.gates import services
from shequ.gates.models import Gate, Passage
from shequ.gates.offline import bundle_for_gate
from shequ.gates.rules import Checks
from shequ.passes import services as passes
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass
from shequ.registry.models import Person
from tests.facts import give_numbers

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def post_gate(db: Any) -> Gate:
    return Gate.objects.select_related("compound").get(community__code="futong", compound__name="富通小区", name="东门")


@pytest.fixture
def jiangnan_gate(db: Any) -> Gate:
    """江南家园 has a sealed unit (building 3, unit 1) and an exit quota in the demo."""
    return Gate.objects.select_related("compound").get(community__code="futong", compound__name="江南家园", name="东门")


def compound_persons(gate: Gate) -> Any:
    return Person.objects.filter(household__room__unit__building__compound=gate.compound)


def by_id(bundle: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {p["id"]: p for p in bundle["persons"]}


def test_the_bundle_view_is_json_for_the_gate_and_not_cached(login: Any, post_gate: Gate) -> None:
    response = login("gate1").get(reverse("gates:screen_bundle", args=[post_gate.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["gate"] == {"id": post_gate.pk, "name": "东门", "compound": "富通小区", "closed": False}
    assert data["rules"]["fever_at"] == "37.3"
    assert data["reasons"]["fever"]  # labels in the user's language for local verdicts
    active = compound_persons(post_gate).filter(status="active")
    assert {p["id"] for p in data["persons"]} == set(active.values_list("id", flat=True))


def test_it_holds_no_id_numbers_phones_or_full_names(login: Any, post_gate: Gate) -> None:
    """Each person is an id, a pass token, a masked name, a household and a flag. The tokens are
    random pass codes, signed: they are checked to be exactly that, and every other value is
    searched for the persons' numbers, whole and by their last six digits. (Searching the whole text,
    tokens included, for six-digit suffixes failed now and then: digits turn up in random tokens.)"""
    from shequ.core.masking import mask_name

    for person in compound_persons(post_gate).filter(status="active").order_by("id")[:5]:
        give_numbers(person)  # some demo persons have no number: these five surely do
    data = login("gate1").get(reverse("gates:screen_bundle", args=[post_gate.pk])).json()
    persons = {p.pk: p for p in compound_persons(post_gate)}
    active = dict(Pass.objects.filter(person_id__in=persons, revoked_at__isnull=True).values_list("person_id", "code"))
    assert data["persons"]
    for entry in data["persons"]:
        assert set(entry) == {"id", "token", "name", "household", "restricted"}
        person = persons[entry["id"]]
        assert entry["token"] == pass_tokens.token_for(active[person.pk])
        assert entry["name"] == mask_name(person.name) and (entry["name"] != person.name or len(person.name) == 1)
    entries = json.dumps([{k: v for k, v in p.items() if k != "token"} for p in data["persons"]], ensure_ascii=False)
    # The rest of the bundle (gate, rules, labels, when it was made: microseconds are six digits too).
    rest = json.dumps({k: v for k, v in data.items() if k != "persons"}, ensure_ascii=False)
    tokens = " ".join(p["token"] for p in data["persons"])
    numbers = [n for p in persons.values() for n in (p.id_number, p.phone) if n]
    assert len(numbers) >= 10
    for number in numbers:
        assert number not in entries and number[-6:] not in entries
        assert number not in rest and number not in tokens


def test_a_scanned_token_from_the_bundle_identifies_the_same_person(post_gate: Gate) -> None:
    bundle = bundle_for_gate(post_gate)
    for entry in bundle["persons"][:25]:
        found = passes.identify(community_id=post_gate.community_id, credential=entry["token"])
        assert found.problem is None and found.person.pk == entry["id"]


def test_a_revoked_pass_is_not_in_the_bundle(post_gate: Gate, users: dict[str, Any]) -> None:
    person = compound_persons(post_gate).filter(status="active").first()
    old = Pass.objects.get(person=person, revoked_at__isnull=True)
    new = passes.pass_issue(actor=users["staff"], person=person)
    entry = by_id(bundle_for_gate(post_gate))[person.pk]
    assert entry["token"] == pass_tokens.token_for(new.code) != pass_tokens.token_for(old.code)


def test_a_restricted_person_is_flagged(post_gate: Gate) -> None:
    now = timezone.now()
    free = compound_persons(post_gate).filter(status="active").exclude(restrictions__isnull=False)
    person, ended, other = list(free.order_by("id")[:3])
    MovementRestriction.objects.create(community_id=person.community_id, person=person,
                                       kind=RestrictionKind.HOME_QUARANTINE, starts_at=now - dt.timedelta(days=1),
                                       ends_at=now + dt.timedelta(days=13))
    MovementRestriction.objects.create(community_id=ended.community_id, person=ended,
                                       kind=RestrictionKind.HOME_QUARANTINE, starts_at=now - dt.timedelta(days=20),
                                       ends_at=now - dt.timedelta(days=6))
    persons = by_id(bundle_for_gate(post_gate))
    assert persons[person.pk]["restricted"] is True
    assert persons[ended.pk]["restricted"] is False
    assert persons[other.pk]["restricted"] is False


def test_a_sealed_unit_has_households_at_level_sealed(jiangnan_gate: Gate) -> None:
    bundle = bundle_for_gate(jiangnan_gate)
    levels: dict[str, set[Any]] = {}
    for household in bundle["households"].values():
        building, unit, _room = household["address"].split("-")
        levels.setdefault(f"{building}-{unit}", set()).add(household["level"])
    assert levels["3-1"] == {"sealed"}
    # The rest of the compound is a controlled area in the demo.
    assert {level for key, found in levels.items() if key != "3-1" for level in found} == {"controlled"}


def test_the_exit_quota_left_counts_allowed_exits(jiangnan_gate: Gate, users: dict[str, Any]) -> None:
    bundle = bundle_for_gate(jiangnan_gate)
    assert bundle["rules"]["quota"] == {"persons": 1, "days": 2}
    person = (compound_persons(jiangnan_gate).filter(status="active").exclude(household__room__unit__building__number="3")
              .exclude(restrictions__isnull=False).first())
    assert bundle["households"][str(person.household_id)]["quota_left"] == 1
    checks = Checks(direction="out", temperature=None, health_code="green", mask=True)
    result = services.record_passage(gate=jiangnan_gate, actor=users["staff"], checks=checks,
                                     client_id=uuid.uuid4(), person=person)
    assert result.passage.decision == "allow"
    bundle = bundle_for_gate(jiangnan_gate)
    assert bundle["households"][str(person.household_id)]["quota_left"] == 0
    # Same number the server's rules use for the next exit of that household.
    standing = services.standing_of(gate=jiangnan_gate, person=person, problem=None, at=timezone.now(), direction="out")
    assert standing.quota_left == 0


def test_the_bundle_agrees_with_the_servers_standing(jiangnan_gate: Gate) -> None:
    """For every person of a compound with a sealed unit, restrictions and a quota: the bundle's
    restricted, level and quota_left are what services.standing_of uses for an exit."""
    now = timezone.now()
    someone = compound_persons(jiangnan_gate).filter(status="active").order_by("-id").first()
    MovementRestriction.objects.create(community_id=someone.community_id, person=someone,
                                       kind=RestrictionKind.HOME_QUARANTINE, starts_at=now - dt.timedelta(hours=1))
    bundle = bundle_for_gate(jiangnan_gate, at=now)
    persons = compound_persons(jiangnan_gate).filter(status="active").select_related(
        "household__room__unit__building__compound")
    restricted = [p for p in persons if p.restrictions.exists()]
    sealed = [p for p in persons if p.household.room.unit.building.number == "3" and p.household.room.unit.number == "1"]
    sample = restricted + sealed[:20] + list(persons.order_by("id")[:20])
    assert sealed and someone in restricted
    entries = by_id(bundle)
    for person in sample:
        entry = entries[person.pk]
        household = bundle["households"][str(entry["household"])]
        standing = services.standing_of(gate=jiangnan_gate, person=person, problem=None, at=now, direction="out")
        assert (entry["restricted"], household["level"], household["quota_left"]) == (
            standing.restricted, standing.level, standing.quota_left), person.pk


def test_inactive_persons_are_left_out(post_gate: Gate) -> None:
    person = compound_persons(post_gate).filter(status="active").first()
    Person.objects.filter(pk=person.pk).update(status="moved_out")
    assert person.pk not in by_id(bundle_for_gate(post_gate))


def test_it_is_built_in_a_few_queries(post_gate: Gate, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(8):
        bundle = bundle_for_gate(post_gate)
    assert len(bundle["persons"]) > 500


def test_a_closed_gate_is_marked(post_gate: Gate) -> None:
    Gate.objects.filter(pk=post_gate.pk).update(status="closed")
    post_gate.refresh_from_db()
    assert bundle_for_gate(post_gate)["gate"]["closed"] is True


def test_quota_passages_of_visitors_and_refusals_do_not_count(jiangnan_gate: Gate, users: dict[str, Any]) -> None:
    person = (compound_persons(jiangnan_gate).filter(status="active").exclude(household__room__unit__building__number="3")
              .exclude(restrictions__isnull=False).first())
    refused = Checks(direction="out", temperature=None, health_code="red", mask=True)
    services.record_passage(gate=jiangnan_gate, actor=users["staff"], checks=refused, client_id=uuid.uuid4(),
                            person=person)
    assert Passage.objects.filter(person=person, decision="deny").exists()
    assert bundle_for_gate(jiangnan_gate)["households"][str(person.household_id)]["quota_left"] == 1


def test_an_unchanged_bundle_is_a_304_and_a_changed_one_is_sent(login: Any, post_gate: Gate) -> None:
    client = login("gate1")
    url = reverse("gates:screen_bundle", args=[post_gate.pk])
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip" and first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    # Compressed, the ETag is weak (W/"..."), and either form matches.
    assert again.status_code == 304 and not again.content and again["ETag"] in first["ETag"]
    person = compound_persons(post_gate).filter(status="active").exclude(restrictions__isnull=False).first()
    MovementRestriction.objects.create(community_id=person.community_id, person=person,
                                       kind=RestrictionKind.HOME_QUARANTINE, starts_at=timezone.now())
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and by_id(changed.json())[person.pk]["restricted"] is True
