"""Containment pages: restrictions, areas and exit quotas set through the pages, the gates obeying
them, bad input with field messages, double submits, and scoping."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from shequ.audit.models import AuditEvent
from shequ.containment.models import ContainmentArea, ExitQuota, MovementRestriction
from shequ.containment.selectors import levels_for_units, restrictions_in_force
from shequ.core.submission import new_key
from shequ.gates.models import Gate
from shequ.gates.rules import Checks
from shequ.gates.services import record_passage
from shequ.registry.models import Household, Person

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

LOCAL = "%Y-%m-%dT%H:%M"


def _members(household: Household) -> list[Person]:
    return list(household.persons.filter(status="active").order_by("id"))


def _gate() -> Gate:
    return Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")


def _leave(person: Person, direction: str = "out") -> Any:
    checks = Checks(direction=direction, temperature=Decimal("36.5"), health_code="green", mask=True)
    return record_passage(gate=_gate(), actor=None, checks=checks, client_id=uuid.uuid4(), person=person).passage


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime(LOCAL)


def _restrict(client: Any, person: Person, **fields: Any) -> Any:
    data = {"submission_key": new_key(), "kind": "home_quarantine", "starts_at": "", "ends_at": "",
            "reason": "密接"} | fields
    return client.post(reverse("containment:person", args=[person.pk]), data)


# -- movement restrictions ------------------------------------------------------------------------------


def test_a_restriction_set_on_the_page_makes_the_gate_refuse_leaving(login: Any, anchor_household: Household) -> None:
    person = _members(anchor_household)[0]
    assert _leave(person).decision == "allow"
    response = _restrict(login("staff"), person, ends_at=_local(timezone.now() + dt.timedelta(days=14)))
    assert response.status_code == 302
    assert response["Location"] == reverse("containment:person", args=[person.pk])
    restriction = MovementRestriction.objects.get(person=person)
    assert restriction.kind == "home_quarantine" and restriction.reason == "密接"
    assert AuditEvent.objects.filter(action="create", object_type="movementrestriction",
                                     object_id=str(restriction.pk)).exists()

    refused = _leave(person)
    assert refused.decision == "deny" and "movement_restricted" in refused.reasons
    assert _leave(person, "in").decision == "allow"  # coming home is allowed


def test_ending_a_restriction_early_lets_the_person_leave_again(login: Any, anchor_household: Household) -> None:
    person = _members(anchor_household)[0]
    client = login("secretary")
    _restrict(client, person, starts_at=_local(timezone.now() - dt.timedelta(hours=2)))
    restriction = MovementRestriction.objects.get(person=person)
    assert _leave(person).decision == "deny"
    assert client.get(reverse("containment:restriction_end", args=[restriction.pk])).status_code == 200
    response = client.post(reverse("containment:restriction_end", args=[restriction.pk]),
                           {"submission_key": new_key()})
    assert response.status_code == 302
    restriction.refresh_from_db()
    assert restriction.ends_at is not None and restriction.ends_at <= timezone.now()
    assert not restrictions_in_force([person.pk], timezone.now())
    assert _leave(person).decision == "allow"
    # The ended restriction stays in the history and the list.
    html = client.get(reverse("containment:restrictions")).content.decode()
    assert reverse("containment:person", args=[person.pk]) in html


def test_a_double_submitted_restriction_is_set_once(login: Any, anchor_household: Household) -> None:
    person = _members(anchor_household)[0]
    client = login("staff")
    key = new_key()
    assert _restrict(client, person, submission_key=key).status_code == 302
    assert _restrict(client, person, submission_key=key).status_code == 302
    assert MovementRestriction.objects.filter(person=person).count() == 1


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "holiday"}, "kind"),
    ({"reason": ""}, "reason"),
    ({"starts_at": "yesterday"}, "starts_at"),
    ({"starts_at": "2022-04-05T08:00", "ends_at": "2022-04-01T08:00"}, "ends_at"),
    ({"starts_at": "2022-03-01T08:00", "ends_at": "2022-04-01T08:00"}, "ends_at"),  # wholly in the past
])
def test_bad_restriction_input_names_the_field(login: Any, anchor_household: Household, fields: dict[str, str],
                                               field: str) -> None:
    person = _members(anchor_household)[0]
    response = _restrict(login("staff"), person, **fields)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    html = response.content.decode()
    # At the top of the form, named; and by the field, as the element its input's aria-describedby names.
    assert f"{form[field].label}: {escape(form.errors[field][0])}" in html
    assert f'id="{form[field].auto_id}_error"><li>{escape(form.errors[field][0])}</li>' in html
    assert not MovementRestriction.objects.filter(person=person).exists()


def test_a_restriction_starting_later_is_not_in_force_yet(login: Any, anchor_household: Household) -> None:
    person = _members(anchor_household)[0]
    later = timezone.now() + dt.timedelta(days=1)
    assert _restrict(login("staff"), person, starts_at=_local(later)).status_code == 302
    assert _leave(person).decision == "allow"
    html = login("staff").get(reverse("containment:person", args=[person.pk])).content.decode()
    assert reverse("containment:restriction_end", args=[MovementRestriction.objects.get(person=person).pk]) in html


# -- containment areas ----------------------------------------------------------------------------------


def test_sealing_a_unit_from_the_building_page_refuses_leaving(login: Any, anchor_household: Household) -> None:
    unit = anchor_household.room.unit
    building = unit.building
    person = _members(anchor_household)[0]
    client = login("staff")
    response = client.post(reverse("containment:building", args=[building.pk]), {
        "submission_key": new_key(), "place": str(unit.pk), "level": "sealed", "starts_at": "", "ends_at": "",
        "reason": "阳性病例"})
    assert response.status_code == 302
    area = ContainmentArea.objects.get(unit=unit)
    assert area.level == "sealed" and area.building_id is None and area.compound_id is None
    assert levels_for_units([unit.pk], timezone.now()) == {unit.pk: "sealed"}
    refused = _leave(person)
    assert refused.decision == "deny" and "area_sealed" in refused.reasons

    # The building's and the compound's containment pages show it.
    html = client.get(reverse("containment:building", args=[building.pk])).content.decode()
    assert reverse("containment:area_end", args=[area.pk]) in html
    html = client.get(reverse("containment:compound", args=[building.compound_id])).content.decode()
    assert reverse("containment:area_end", args=[area.pk]) in html

    ContainmentArea.objects.filter(pk=area.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    client.post(reverse("containment:area_end", args=[area.pk]), {"submission_key": new_key()})
    assert levels_for_units([unit.pk], timezone.now()) == {}
    assert _leave(person).decision == "allow"


def test_a_new_level_on_the_same_place_replaces_the_one_in_force(login: Any, anchor_household: Household) -> None:
    compound = anchor_household.room.unit.building.compound
    unit = anchor_household.room.unit
    client = login("secretary")
    url = reverse("containment:compound", args=[compound.pk])
    base = {"action": "area", "starts_at": "", "ends_at": "", "reason": ""}
    assert client.post(url, base | {"submission_key": new_key(), "level": "sealed"}).status_code == 302
    assert levels_for_units([unit.pk], timezone.now()) == {unit.pk: "sealed"}
    assert client.post(url, base | {"submission_key": new_key(), "level": "controlled"}).status_code == 302
    now = timezone.now() + dt.timedelta(seconds=2)
    assert levels_for_units([unit.pk], now) == {unit.pk: "controlled"}
    sealed = ContainmentArea.objects.get(compound=compound, level="sealed")
    assert sealed.ends_at is not None
    assert ContainmentArea.objects.filter(compound=compound).count() == 2


def test_a_level_set_on_a_building_covers_its_units(login: Any, anchor_household: Household) -> None:
    building = anchor_household.room.unit.building
    client = login("staff")
    response = client.post(reverse("containment:building", args=[building.pk]), {
        "submission_key": new_key(), "place": "", "level": "precaution", "starts_at": "", "ends_at": ""})
    assert response.status_code == 302
    assert ContainmentArea.objects.get(building=building).level == "precaution"
    units = list(building.units.values_list("id", flat=True))
    assert set(levels_for_units(units, timezone.now()).values()) == {"precaution"}


@pytest.mark.parametrize(("fields", "field"), [
    ({"level": "locked"}, "level"),
    ({"place": "999999999"}, "place"),  # a unit of another building
    ({"ends_at": "2022-01-01T00:00"}, "ends_at"),
])
def test_bad_area_input_names_the_field(login: Any, anchor_household: Household, fields: dict[str, str],
                                        field: str) -> None:
    building = anchor_household.room.unit.building
    data = {"submission_key": new_key(), "place": "", "level": "sealed", "starts_at": "", "ends_at": ""} | fields
    response = login("staff").post(reverse("containment:building", args=[building.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ContainmentArea.objects.filter(building=building).exists()
    assert not ContainmentArea.objects.filter(unit__building=building).exists()


# -- exit quotas ---------------------------------------------------------------------------------------


def test_an_exit_quota_set_on_the_compound_page_counts_exits(login: Any, anchor_household: Household) -> None:
    compound = anchor_household.room.unit.building.compound
    first, second = _members(anchor_household)[:2]
    client = login("staff")
    url = reverse("containment:compound", args=[compound.pk])
    key = new_key()
    data = {"action": "quota", "submission_key": key, "persons": "1", "days": "2",
            "starts_at": _local(timezone.now() - dt.timedelta(hours=1)), "ends_at": ""}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same form again: still one quota
    quota = ExitQuota.objects.get(compound=compound)
    assert (quota.persons, quota.days) == (1, 2)

    assert _leave(first).decision == "allow"
    refused = _leave(second)
    assert refused.decision == "deny" and "exit_quota_used" in refused.reasons

    html = client.get(url).content.decode()
    assert reverse("containment:quota_end", args=[quota.pk]) in html
    client.post(reverse("containment:quota_end", args=[quota.pk]), {"submission_key": new_key()})
    quota.refresh_from_db()
    assert quota.ends_at is not None and quota.ends_at <= timezone.now()
    assert _leave(second).decision == "allow"


@pytest.mark.parametrize(("fields", "field"), [
    ({"persons": "0"}, "persons"),
    ({"persons": "two"}, "persons"),
    ({"days": ""}, "days"),
    ({"days": "400"}, "days"),
    ({"starts_at": "2022-04-05T08:00", "ends_at": "2022-04-05T08:00"}, "ends_at"),
])
def test_bad_quota_input_names_the_field(login: Any, anchor_household: Household, fields: dict[str, str],
                                         field: str) -> None:
    compound = anchor_household.room.unit.building.compound
    data = {"action": "quota", "submission_key": new_key(), "persons": "1", "days": "2", "starts_at": "",
            "ends_at": ""} | fields
    response = login("staff").post(reverse("containment:compound", args=[compound.pk]), data)
    assert response.status_code == 200
    assert field in response.context["quota_form"].errors
    assert not ExitQuota.objects.filter(compound=compound).exists()


# -- overview and scoping -------------------------------------------------------------------------------


def test_overview_shows_the_demos_sealed_unit_and_quota(login: Any) -> None:
    response = login("staff").get(reverse("containment:index"))
    assert response.status_code == 200
    rows = {r["compound"].name: r for r in response.context["rows"]}
    assert rows["江南家园"]["inside"] and rows["江南家园"]["quota"] is not None
    html = login("staff").get(reverse("containment:areas")).content.decode()
    area = ContainmentArea.objects.get(unit__building__compound__name="江南家园", level="sealed")
    assert reverse("containment:area_end", args=[area.pk]) in html


def test_outsider_gets_404_and_other_roles_403(login: Any, anchor_household: Household) -> None:
    person = _members(anchor_household)[0]
    building = anchor_household.room.unit.building
    area = ContainmentArea.objects.filter(community__code="futong").first()
    restriction = MovementRestriction.objects.filter(community__code="futong").first()
    quota = ExitQuota.objects.filter(community__code="futong").first()
    outsider = login("outsider")
    for url in (reverse("containment:person", args=[person.pk]),
                reverse("containment:building", args=[building.pk]),
                reverse("containment:compound", args=[building.compound_id]),
                reverse("containment:area_end", args=[area.pk]),
                reverse("containment:restriction_end", args=[restriction.pk]),
                reverse("containment:quota_end", args=[quota.pk])):
        assert outsider.get(url).status_code == 404, url
        assert outsider.post(url, {"submission_key": new_key()}).status_code == 404, url
    for role in ("grid1", "gate1", "property1", "resident1", "street"):
        assert login(role).post(reverse("containment:person", args=[person.pk]), {
            "submission_key": new_key(), "kind": "home_quarantine", "reason": "x"}).status_code == 403
    assert not MovementRestriction.objects.filter(person=person).exists()
    restriction.refresh_from_db()
    assert restriction.ends_at is None or restriction.ends_at > timezone.now()


def test_finding_a_person_to_restrict(login: Any, anchor_household: Household) -> None:
    person = _members(anchor_household)[0]
    html = login("staff").get(reverse("containment:restrictions"), {"q": "9-2-502"}).content.decode()
    assert reverse("containment:person", args=[person.pk]) in html
