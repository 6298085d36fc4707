"""Who may see and do what: the one place that decides.

A user's memberships become a ``Scope``. Every page and API read filters its queryset through the
Scope (``scope.persons(qs)``, ``scope.households(qs)``, ...), so an object outside it is simply not
found: a 404, the same as a missing one. Capabilities (``scope.can("person.reveal", community_id)``)
say which actions a role may take; a page a role may not use at all is a 403 that names no object.

Models are looked up through the app registry so that this module sits below the apps it guards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

SECRETARY = "secretary"
STAFF = "staff"
GRID_WORKER = "grid_worker"
GATE_GUARD = "gate_guard"
VOLUNTEER = "volunteer"
PROPERTY = "property"
SAMPLER = "sampler"
STREET = "street"
RESIDENT = "resident"

# capability -> roles that have it (within the community of the membership).
CAPABILITIES: dict[str, frozenset[str]] = {
    # Compound, building, unit and room pages (occupancy counts, no personal detail).
    "registry.view_places": frozenset({SECRETARY, STAFF, GRID_WORKER, PROPERTY}),
    # Household cards and person pages.
    "registry.view_persons": frozenset({SECRETARY, STAFF, GRID_WORKER, RESIDENT}),
    # Registry search, special-population and grid lists.
    "registry.lists": frozenset({SECRETARY, STAFF, GRID_WORKER}),
    # Create, edit, move and mark moved out.
    "registry.edit": frozenset({SECRETARY, STAFF, GRID_WORKER}),
    "registry.import": frozenset({SECRETARY, STAFF}),
    "registry.export": frozenset({SECRETARY, STAFF, GRID_WORKER}),
    # See one person's full ID and phone number (audited).
    "person.reveal": frozenset({SECRETARY, STAFF}),
    # Call a person of one's own grid from a campaign's missing list: one tap reveals the phone
    # number to the grid worker (audited like any reveal) and dials it. Scoped by the grid
    # (Scope.persons), checked by campaigns.views.call.
    "person.call": frozenset({GRID_WORKER}),
    # Exports carry full numbers (audited); others export masked.
    "export.unmasked": frozenset({SECRETARY, STAFF}),
    "audit.read": frozenset({SECRETARY}),
    # Counts across the communities of a street, no personal detail.
    "street.counts": frozenset({STREET}),
    "community.dashboard": frozenset({SECRETARY, STAFF}),
    # Alerts (a refusal at a gate, a positive tube): the community's for secretary and staff, those
    # about persons of their grid for grid workers (alerts.selectors.alert_list).
    "alerts.read": frozenset({SECRETARY, STAFF, GRID_WORKER}),
    # Acknowledging one for the office ("someone is on it"): not a grid worker's call.
    "alerts.acknowledge": frozenset({SECRETARY, STAFF}),
    # Set and end movement restrictions and containment levels.
    "containment.manage": frozenset({SECRETARY, STAFF}),
    # The gate screen: only at the gates the user is posted to (Scope.gates), or every gate of the
    # community for secretary and staff.
    "gates.screen": frozenset({SECRETARY, STAFF, GATE_GUARD, VOLUNTEER}),
    # Gate status, exit quotas, the duty roster, device tokens.
    "gates.manage": frozenset({SECRETARY, STAFF}),
    # The passage ledger, who is out now, hourly counts.
    "gates.ledger": frozenset({SECRETARY, STAFF, GATE_GUARD}),
    # Issue, reissue and print passes (grid workers hand them out door to door).
    "passes.manage": frozenset({SECRETARY, STAFF, GRID_WORKER}),
    # A resident shows their household's passes on their phone.
    "passes.own": frozenset({RESIDENT}),
    # Open, close and follow campaigns (screening and test rounds), import results.
    "campaigns.manage": frozenset({SECRETARY, STAFF}),
    # Field work in a campaign: screening visits, sample registration.
    "campaigns.field": frozenset({SECRETARY, STAFF, GRID_WORKER, SAMPLER}),
    # issue 18 (accounts; the lead moves these into accounts/registry access files at merge):
    # The community's accounts: add (one or from a list), change a role, deactivate, one-time
    # passwords, sign out a lost phone; invite codes and residents who joined. What each role may
    # grant is accounts.services.GRANTS (staff: everything but secretaries).
    "accounts.manage": frozenset({SECRETARY, STAFF}),
    # The street office: add communities and their secretaries, see who holds which role in its
    # communities, deactivate an account there (Scope.streets).
    "accounts.street": frozenset({STREET}),
    # Setting the community up in the app: grids drawn from its buildings.
    "registry.setup": frozenset({SECRETARY, STAFF}),
}


def _model(name: str) -> Any:
    return apps.get_model("registry", name)


@dataclass(frozen=True)
class Scope:
    """What one user may see. Immutable; computed once per request."""

    user_id: int | None = None
    is_superuser: bool = False
    roles_by_community: dict[int, frozenset[str]] = field(default_factory=dict)
    full_communities: frozenset[int] = frozenset()  # secretary, staff
    grids: frozenset[int] = frozenset()  # grid workers
    property_companies: frozenset[int] = frozenset()
    households: frozenset[int] = frozenset()  # residents
    streets: frozenset[int] = frozenset()  # street office viewers
    roles: frozenset[str] = frozenset()
    gates: frozenset[int] = frozenset()  # gates the user is posted to (gates.GateGuard)
    # A device token bound to one gate sees that gate and nothing else of the gates app.
    device_gate: int | None = None

    # -- capabilities ------------------------------------------------------------------------
    def can(self, capability: str, community_id: int | None = None) -> bool:
        allowed = CAPABILITIES[capability]
        if community_id is None:
            return bool(self.roles & allowed)
        return bool(self.roles_by_community.get(community_id, frozenset()) & allowed)

    @property
    def community_ids(self) -> frozenset[int]:
        return frozenset(self.roles_by_community)

    # -- querysets ---------------------------------------------------------------------------
    @staticmethod
    def _filter(qs: QuerySet, q: Q | None) -> QuerySet:
        return qs.none() if q is None else qs.filter(q)

    @staticmethod
    def _any(*parts: Q | None) -> Q | None:
        result: Q | None = None
        for part in parts:
            if part is not None:
                result = part if result is None else result | part
        return result

    @staticmethod
    def _in(lookup: str, ids: Iterable[int]) -> Q | None:
        ids = frozenset(ids)
        return Q(**{f"{lookup}__in": sorted(ids)}) if ids else None

    def _places_q(self, building_path: str) -> Q | None:
        """Places (buildings and everything below them) the user may see, via the building path."""
        prefix = f"{building_path}__" if building_path else ""
        return self._any(
            self._in("community_id", self.full_communities),
            self._in(f"{prefix}grid_id", self.grids),
            self._in(f"{prefix}compound__property_company_id", self.property_companies),
        )

    def compounds(self, qs: QuerySet) -> QuerySet:
        building = _model("Building")
        via_grid = None
        if self.grids:
            via_grid = Q(id__in=building.objects.filter(grid_id__in=sorted(self.grids)).values("compound_id"))
        q = self._any(
            self._in("community_id", self.full_communities),
            via_grid,
            self._in("property_company_id", self.property_companies),
        )
        return self._filter(qs, q)

    def buildings(self, qs: QuerySet) -> QuerySet:
        return self._filter(qs, self._places_q(""))

    def units(self, qs: QuerySet) -> QuerySet:
        return self._filter(qs, self._places_q("building"))

    def rooms(self, qs: QuerySet) -> QuerySet:
        return self._filter(qs, self._places_q("unit__building"))

    def grids_qs(self, qs: QuerySet) -> QuerySet:
        return self._filter(qs, self._any(self._in("community_id", self.full_communities), self._in("id", self.grids)))

    def households_qs(self, qs: QuerySet) -> QuerySet:
        """Households with their persons: never for property companies."""
        q = self._any(
            self._in("community_id", self.full_communities),
            self._in("room__unit__building__grid_id", self.grids),
            self._in("id", self.households),
        )
        return self._filter(qs, q)

    def persons(self, qs: QuerySet) -> QuerySet:
        q = self._any(
            self._in("community_id", self.full_communities),
            self._in("household__room__unit__building__grid_id", self.grids),
            self._in("household_id", self.households),
        )
        return self._filter(qs, q)

    @property
    def sampler_communities(self) -> frozenset[int]:
        """Communities where the user is a sampler: samplers call whole compounds down, so they look
        people up anywhere in the community (for sampling only; see ``field_persons``)."""
        return frozenset(c for c, roles in self.roles_by_community.items() if SAMPLER in roles)

    def field_persons(self, qs: QuerySet) -> QuerySet:
        """Persons a campaign field worker may look up: what ``persons`` allows, plus every person of
        a community where the user is a sampler."""
        q = self._any(
            self._in("community_id", self.full_communities | self.sampler_communities),
            self._in("household__room__unit__building__grid_id", self.grids),
            self._in("household_id", self.households),
        )
        return self._filter(qs, q)

    def communities(self, qs: QuerySet) -> QuerySet:
        """Communities the user works in, or whose counts a street office reads."""
        return self._filter(qs, self._any(self._in("id", self.community_ids), self._in("street_id", self.streets)))

    def community_rows(self, qs: QuerySet) -> QuerySet:
        """Rows of a whole community (alerts, containment areas, campaigns): secretary and staff."""
        return self._filter(qs, self._in("community_id", self.full_communities))

    def persons_related(self, qs: QuerySet, path: str) -> QuerySet:
        """Rows about a person (restrictions, passes, samples), visible where the person is."""
        q = self._any(
            self._in("community_id", self.full_communities),
            self._in(f"{path}__household__room__unit__building__grid_id", self.grids),
            self._in(f"{path}__household_id", self.households),
        )
        return self._filter(qs, q)

    @property
    def screen_communities(self) -> frozenset[int]:
        """Communities where the user holds the gate screen (gates.screen)."""
        allowed = CAPABILITIES["gates.screen"]
        return frozenset(c for c, roles in self.roles_by_community.items() if roles & allowed)

    def gates_qs(self, qs: QuerySet) -> QuerySet:
        """Gates: a bound device sees only its gate; guards their posts; secretary and staff all.

        A device token acts as its user, and the binding never widens what the user may do: the
        bound gate only while the user holds the gate screen in that gate's community (a guard
        moved to another community leaves a tablet that sees nothing)."""
        if self.device_gate is not None:
            return self._filter(qs.filter(id=self.device_gate), self._in("community_id", self.screen_communities))
        return self._filter(qs, self._any(self._in("community_id", self.full_communities), self._in("id", self.gates)))

    def sees_gate(self, gate_id: int, community_id: int) -> bool:
        """``gates_qs`` for one gate already read, without a query (a passage's gate, several times
        a second per device); tests hold the two to each other for every role and gate."""
        if self.device_gate is not None:
            return gate_id == self.device_gate and community_id in self.screen_communities
        return community_id in self.full_communities or gate_id in self.gates

    def audit_events(self, qs: QuerySet) -> QuerySet:
        secretary_of = [c for c, roles in self.roles_by_community.items() if SECRETARY in roles]
        return self._filter(qs, self._in("community_id", secretary_of))


ANONYMOUS = Scope()


def scope_for(user: Any, *, api_token_id: int | None = None, device_gate: int | None = None) -> Scope:
    """Build the Scope of a user from their memberships (one query; one more for gate posts, and one
    for a device token, which may be bound to a single gate)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    membership = apps.get_model("accounts", "Membership")
    roles_by_community: dict[int, set[str]] = {}
    full: set[int] = set()
    grids: set[int] = set()
    companies: set[int] = set()
    households: set[int] = set()
    streets: set[int] = set()
    roles: set[str] = set()
    rows = membership.objects.filter(user_id=user.pk).values_list(
        "role", "community_id", "street_id", "grid_id", "property_company_id", "household_id"
    )
    for role, community_id, street_id, grid_id, company_id, household_id in rows:
        roles.add(role)
        if community_id is not None:
            roles_by_community.setdefault(community_id, set()).add(role)
        if role in (SECRETARY, STAFF):
            full.add(community_id)
        elif role == GRID_WORKER:
            grids.add(grid_id)
        elif role == PROPERTY:
            companies.add(company_id)
        elif role == RESIDENT:
            households.add(household_id)
        elif role == STREET:
            streets.add(street_id)
    # The caller may already know the token's gate (read with the token): then no query here.
    if device_gate is None and api_token_id is not None:
        device_gate = next(iter(
            apps.get_model("gates", "GateDevice").objects.filter(token_id=api_token_id).values_list("gate_id", flat=True)
        ), None)
    gates: set[int] = set()
    # A device bound to a gate sees that gate only (gates_qs), so its user's posts are not read.
    if device_gate is None and roles & {GATE_GUARD, VOLUNTEER}:
        gates = set(apps.get_model("gates", "GateGuard").objects.filter(user_id=user.pk).values_list("gate_id", flat=True))
    return Scope(
        gates=frozenset(gates),
        device_gate=device_gate,
        user_id=user.pk,
        is_superuser=user.is_superuser,
        roles_by_community={c: frozenset(r) for c, r in roles_by_community.items()},
        full_communities=frozenset(full),
        grids=frozenset(grids),
        property_companies=frozenset(companies),
        households=frozenset(households),
        streets=frozenset(streets),
        roles=frozenset(roles),
    )


def require(capability: str) -> Any:
    """View decorator: anonymous users go to the login page; a role without the capability gets a
    403 that names no object. Object lookups inside the view then use the Scope (404 outside)."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.scope.can(capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator
