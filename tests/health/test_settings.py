"""The settings page (issue 12.3 and 12.7): a community's quarantine policies (new, changed from a
preset, refused with the field named), its epidemic-free rule and each compound's control
checklist, through the services and audited; staff of the community only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from shequ.health.models import ControlChecklist, EpidemicFreeRule, QuarantinePolicy

pytestmark = pytest.mark.django_db
URL = "/health/settings/"


def post(client: Any, **values: Any) -> Any:
    return client.post(reverse("health:settings"), {"submission_key": uuid.uuid4().hex, **values})


def test_a_new_policy_is_saved_and_offered_to_orders(login: Any, anchor_household: Any, audit_log: Any) -> None:
    client = login("staff")
    page = client.get(URL)
    assert page.status_code == 200 and "7+3" in page.content.decode()  # the presets not used yet
    body = {"action": "policy", "name": "10+4", "quarantine_days": "10", "monitoring_days": "4",
            "test_days": "1，4,10", "slots_per_day": "3"}
    assert post(client, **body).status_code == 302
    policy = QuarantinePolicy.objects.get(community=anchor_household.community, name="10+4")
    assert (policy.quarantine_days, policy.monitoring_days, policy.test_days, policy.slots_per_day) == (10, 4, "1,4,10", 3)
    [event] = audit_log(object_type="quarantinepolicy")
    assert event.action == "update" and event.summary == "policy 10+4: 10+4 days, tests 1,4,10"
    # The person card's order form offers it.
    from shequ.registry.models import Person

    person = Person.objects.filter(household=anchor_household, status="active").first()
    card = client.get(reverse("health:person", args=[person.pk])).content.decode()
    assert f"policy:{policy.pk}" in card


def test_a_preset_is_adapted_and_changing_it_keeps_one_row(login: Any, anchor_household: Any) -> None:
    client = login("secretary")
    page = client.get(URL, {"preset": "7+3"})
    assert page.context["policy_form"].initial["quarantine_days"] == 7
    post(client, action="policy", name="7+3", quarantine_days="7", monitoring_days="3", test_days="1,2,3",
         slots_per_day="2", is_default="on")
    post(client, action="policy", name="7+3", quarantine_days="7", monitoring_days="5", test_days="1,2,3",
         slots_per_day="2", is_default="on")
    [policy] = QuarantinePolicy.objects.filter(community=anchor_household.community, name="7+3")
    assert policy.monitoring_days == 5 and policy.is_default
    assert client.get(URL, {"edit": policy.pk}).context["policy_form"].initial["monitoring_days"] == 5


@pytest.mark.parametrize(("values", "field"), [
    ({"quarantine_days": "0", "monitoring_days": "0"}, "quarantine_days"),
    ({"quarantine_days": "61"}, "quarantine_days"),
    ({"test_days": "一,四"}, "test_days"),
    ({"slots_per_day": "4"}, "slots_per_day"),
    ({"name": " "}, "name"),
])
def test_a_bad_policy_is_refused_with_the_field_named(values: dict[str, str], field: str, login: Any,
                                                      audit_log: Any) -> None:
    body = {"action": "policy", "name": "坏", "quarantine_days": "7", "monitoring_days": "7", "test_days": "1",
            "slots_per_day": "2", **values}
    response = post(login("staff"), **body)
    assert response.status_code == 200 and response.context["policy_form"].errors[field]
    assert not QuarantinePolicy.objects.filter(name__in=["坏", ""]).exists()
    assert not audit_log(object_type="quarantinepolicy")


def test_the_epidemic_free_rule_and_a_checklist_are_saved(login: Any, anchor_household: Any,
                                                          audit_log: Any) -> None:
    client = login("staff")
    assert post(client, action="rule", days="21", checklist_required="on").status_code == 302
    rule = EpidemicFreeRule.objects.get(community=anchor_household.community)
    assert (rule.days, rule.checklist_required) == (21, True)
    assert post(client, action="rule", days="0").context["rule_form"].errors["days"]
    compound = anchor_household.room.unit.building.compound
    assert post(client, action="checklist", compound=str(compound.pk), publicity="on",
                door_to_door="on").status_code == 302
    checklist = ControlChecklist.objects.get(compound=compound)
    assert checklist.publicity and checklist.door_to_door and not checklist.supply
    summaries = [e.summary for e in audit_log() if e.object_type in ("epidemicfreerule", "controlchecklist")]
    assert summaries == ["epidemic-free rule: 21 days, checklist required",
                         f"control checklist compound={compound.pk}: publicity, door_to_door"]
    # The epidemic-free list now requires the checklist: the compound is not free until all six are done.
    rows = login("secretary").get(reverse("health:epidemic_free")).context["rows"]
    mine = next(r for r in rows if r["compound"].pk == compound.pk)
    assert not mine["verdict"].free


def test_a_compound_of_another_community_is_refused(login: Any, anchor_household: Any) -> None:
    compound = anchor_household.room.unit.building.compound
    response = post(login("outsider"), action="checklist", compound=str(compound.pk), publicity="on")
    assert response.status_code == 403
    assert not ControlChecklist.objects.filter(compound=compound).exists()
    # The outsider's page is their own community's.
    assert login("outsider").get(URL).context["community"].code != "futong"


@pytest.mark.parametrize("role", ["grid1", "sampler1", "gate1", "street", "resident1", "volunteer1"])
def test_other_roles_may_not_set(role: str, login: Any) -> None:
    client = login(role)
    assert client.get(URL).status_code == 403
    assert post(client, action="rule", days="3").status_code == 403
    assert not EpidemicFreeRule.objects.exists()
