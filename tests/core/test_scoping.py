"""The Scope, the one place that decides who sees what, against ground truth for every role.

What each role may do is written here from the roles' descriptions (README, "Demo accounts"), and
what each may see from plain queries along the registry's own links (which grid a building is in,
which company manages a compound, which household a resident belongs to), never from the Scope.
The authorization matrix checks the same through every route; this is the fast check of the Scope
itself, one queryset at a time."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from tests.conftest import ROLES

from shequ.accounts.access import scope_for
from shequ.accounts.models import Membership
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.campaigns.access import FIELD
from shequ.campaigns.models import Campaign
from shequ.containment.models import ContainmentArea, ExitQuota, MovementRestriction
from shequ.core.scoping import ANONYMOUS, CAPABILITIES, require
from shequ.gates.access import device_gate
from shequ.gates.models import Gate, GateGuard
from shequ.passes.models import Pass
from shequ.registry.models import Building, Community, Compound, Grid, Household, Person, Room, Unit

pytestmark = pytest.mark.django_db

# role -> the capabilities it has in its own community (the street office: in none, street.counts aside).
CAN: dict[str, set[str]] = {
    "secretary": set(CAPABILITIES) - {"street.counts", "passes.own", "accounts.street", "health.own",
                                      "supplies.own", "notices.own", "services.own", "reports.street"},
    "staff": set(CAPABILITIES) - {"street.counts", "passes.own", "audit.read", "accounts.street",
                                  "health.own", "supplies.own", "notices.own", "services.own", "reports.submit",
                                  "reports.street"},
    "outsider": set(CAPABILITIES) - {"street.counts", "passes.own", "audit.read", "accounts.street",
                                     "health.own", "supplies.own", "notices.own", "services.own", "reports.submit",
                                     "reports.street"},
    "grid1": {"registry.view_places", "registry.view_persons", "registry.lists", "registry.edit", "registry.export",
              "passes.manage", "campaigns.field", "person.call", "alerts.read", "health.view", "health.followup",
              "supplies.order", "supplies.deliver", "notices.knock",
              "services.requests", "services.tasks", "workforce.own"},
    "grid2": {"registry.view_places", "registry.view_persons", "registry.lists", "registry.edit", "registry.export",
              "passes.manage", "campaigns.field", "person.call", "alerts.read", "health.view", "health.followup",
              "supplies.order", "supplies.deliver", "notices.knock",
              "services.requests", "services.tasks", "workforce.own"},
    "gate1": {"gates.screen", "gates.ledger", "workforce.own"},
    "volunteer1": {"gates.screen", "supplies.deliver", "services.tasks", "workforce.own"},
    "property1": {"registry.view_places", "disinfection.record", "disinfection.board"},
    "sampler1": {"campaigns.field", "health.view", "health.followup"},
    "street": {"street.counts", "accounts.street", "health.epidemic_free", "disinfection.board", "reports.street"},
    "resident1": {"registry.view_persons", "passes.own", "health.own", "supplies.own", "notices.own", "services.own"},
}


def ids(qs: Any) -> set[int]:
    return set(qs.values_list("id", flat=True))


class Truth:
    """What a role may see, by plain queries."""

    def __init__(self, username: str) -> None:
        self.memberships = list(Membership.objects.filter(user__username=username))
        self.communities = {m.community_id for m in self.memberships if m.community_id}
        roles = {m.role for m in self.memberships}
        self.full = {m.community_id for m in self.memberships if m.role in ("secretary", "staff")}
        self.grids = {m.grid_id for m in self.memberships if m.grid_id}
        self.companies = {m.property_company_id for m in self.memberships if m.property_company_id}
        self.own_households = {m.household_id for m in self.memberships if m.household_id}
        self.streets = {m.street_id for m in self.memberships if m.street_id}
        self.samples_in = {m.community_id for m in self.memberships if m.role == "sampler"}
        self.posts = set(GateGuard.objects.filter(user__username=username).values_list("gate_id", flat=True)) if (
            roles & {"gate_guard", "volunteer"}) else set()

    def buildings(self) -> set[int]:
        return ids(Building.objects.filter(community_id__in=self.full)) | ids(
            Building.objects.filter(grid_id__in=self.grids)) | ids(
            Building.objects.filter(compound__property_company_id__in=self.companies))

    def compounds(self) -> set[int]:
        return ids(Compound.objects.filter(community_id__in=self.full)) | set(
            Building.objects.filter(grid_id__in=self.grids).values_list("compound_id", flat=True)) | ids(
            Compound.objects.filter(property_company_id__in=self.companies))

    def households(self) -> set[int]:
        return ids(Household.objects.filter(community_id__in=self.full)) | ids(
            Household.objects.filter(room__unit__building__grid_id__in=self.grids)) | self.own_households

    def persons(self, *, sampling: bool = False) -> set[int]:
        communities = self.full | (self.samples_in if sampling else set())
        return ids(Person.objects.filter(community_id__in=communities)) | ids(
            Person.objects.filter(household__room__unit__building__grid_id__in=self.grids)) | ids(
            Person.objects.filter(household_id__in=self.own_households))


@pytest.mark.parametrize("username", ROLES)
def test_capabilities_follow_the_roles(username: str, users: dict[str, Any]) -> None:
    scope = scope_for(users[username])
    truth = Truth(username)
    own = next(iter(truth.communities), None)
    other = Community.objects.exclude(pk=own).order_by("pk").first() if own else None
    for capability in CAPABILITIES:
        expected = capability in CAN[username]
        assert scope.can(capability) is expected, (username, capability)
        if own is not None:
            assert scope.can(capability, own) is expected, (username, capability, "own community")
            assert scope.can(capability, other.pk) is False, (username, capability, "other community")
    assert scope.community_ids == frozenset(truth.communities)


@pytest.mark.parametrize("username", ROLES)
def test_every_queryset_of_the_scope_is_the_ground_truth(username: str, users: dict[str, Any]) -> None:
    scope = scope_for(users[username])
    t = Truth(username)
    buildings = t.buildings()
    assert ids(scope.filter(Building.objects.all())) == buildings
    assert ids(scope.filter(Unit.objects.all())) == ids(Unit.objects.filter(building_id__in=buildings))
    assert ids(scope.filter(Room.objects.all())) == ids(Room.objects.filter(unit__building_id__in=buildings))
    assert ids(scope.filter(Compound.objects.all())) == t.compounds()
    assert ids(scope.filter(Grid.objects.all())) == ids(Grid.objects.filter(community_id__in=t.full)) | t.grids
    assert ids(scope.filter(Household.objects.all())) == t.households()
    assert ids(scope.filter(Person.objects.all())) == t.persons()
    assert ids(scope.filter(Person.objects.all(), FIELD)) == t.persons(sampling=True)
    assert ids(scope.filter(Community.objects.all())) == t.communities | ids(
        Community.objects.filter(street_id__in=t.streets))
    # Rows of a whole community (containment areas, exit quotas): secretary and staff.
    for model in (ContainmentArea, ExitQuota):
        assert ids(scope.filter(model.objects.all())) == ids(model.objects.filter(community_id__in=t.full))
    # Campaigns: the communities where the user does field work.
    field = {m.community_id for m in t.memberships if "campaigns.field" in CAN[username]}
    assert ids(scope.filter(Campaign.objects.all())) == ids(Campaign.objects.filter(community_id__in=field))
    visible_persons = t.persons()
    assert ids(scope.filter(MovementRestriction.objects.all())) == ids(
        MovementRestriction.objects.filter(person_id__in=visible_persons))
    assert ids(scope.filter(Pass.objects.all())) == ids(Pass.objects.filter(
        person_id__in=visible_persons))
    gates = ids(Gate.objects.filter(community_id__in=t.full)) | t.posts
    assert ids(scope.filter(Gate.objects.all())) == gates
    for gate in Gate.objects.all():
        assert scope.sees(Gate, id=gate.pk, community_id=gate.community_id) is (gate.pk in gates)
    secretary_of = {m.community_id for m in t.memberships if m.role == "secretary"}
    assert ids(scope.filter(AuditEvent.objects.all())) == ids(AuditEvent.objects.filter(
        community_id__in=secretary_of))


def test_the_world_has_something_to_see_for_each_role(users: dict[str, Any]) -> None:
    """The querysets above are compared on real rows: each role's ground truth is not empty where
    it should see something, and a row of the other community exists for each."""
    audit_record(actor=users["secretary"], action=AuditEvent.Action.EXPORT, community=Community.objects.get(
        code="futong"), summary="scoping test")
    assert Truth("grid1").persons() and Truth("property1").buildings() and Truth("resident1").persons()
    assert Truth("gate1").posts and Truth("sampler1").persons(sampling=True) and not Truth("sampler1").persons()
    assert not Truth("property1").households() and not Truth("street").persons()
    assert Truth("outsider").persons().isdisjoint(Truth("secretary").persons())


def test_a_device_gate_limits_the_gates_to_that_one_where_the_user_has_the_screen(users: dict[str, Any]) -> None:
    post = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    other = Gate.objects.filter(community__code="futong").exclude(pk=post.pk).first()
    foreign = Gate.objects.filter(community__code="nanxincun").first()
    staff = scope_for(users["staff"], device_gate=other.pk)
    assert ids(staff.filter(Gate.objects.all())) == {other.pk}
    assert staff.sees(Gate, id=other.pk, community_id=other.community_id)
    assert not staff.sees(Gate, id=post.pk, community_id=post.community_id)
    guard = scope_for(users["gate1"], device_gate=foreign.pk)
    assert ids(guard.filter(Gate.objects.all())) == set()
    assert not guard.sees(Gate, id=foreign.pk, community_id=foreign.community_id)
    # The device's gate is read from its token binding when only the token is known.
    assert device_gate(scope_for(users["gate1"], api_token_id=10**9)) is None


def test_an_inactive_or_anonymous_user_has_the_empty_scope(users: dict[str, Any]) -> None:
    grid1 = users["grid1"]
    grid1.is_active = False
    assert scope_for(grid1) == ANONYMOUS
    assert scope_for(AnonymousUser()) == ANONYMOUS and scope_for(None) == ANONYMOUS
    assert not ANONYMOUS.filter(Person.objects.all()).exists() and not ANONYMOUS.can("registry.lists")


def test_require_sends_anonymous_to_log_in_and_refuses_a_role_without_the_capability(users: dict[str, Any]) -> None:
    @require("registry.import")
    def view(request: Any) -> HttpResponse:
        return HttpResponse("ran")

    assert view.capability == "registry.import"
    request = RequestFactory().get("/registry/import/?x=1")
    request.user, request.scope = AnonymousUser(), ANONYMOUS
    response = view(request)
    assert response.status_code == 302 and response["Location"].endswith("?next=/registry/import/%3Fx%3D1")
    request.user, request.scope = users["grid1"], scope_for(users["grid1"])
    with pytest.raises(PermissionDenied):
        view(request)
    request.user, request.scope = users["staff"], scope_for(users["staff"])
    assert view(request).content == b"ran"
