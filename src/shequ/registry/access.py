"""What the registry's roles may do, and how its rows are reached from a user's grants
(core/scoping.py). Registered from RegistryConfig.ready().

Places (compounds down to rooms) are seen by the whole community (secretary, staff), by a grid
worker through the grid of the building, and by a property company through the compounds it
manages; households and persons by the whole community, the grid worker and the resident of the
household, never by a property company.
"""

from __future__ import annotations

from django.db.models import Q

from shequ.core.scoping import Role, declare_capabilities, declare_scope

SECRETARY, STAFF, GRID_WORKER, PROPERTY, RESIDENT, STREET = (
    Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.PROPERTY, Role.RESIDENT, Role.STREET)

CAPABILITIES = {
    # Compound, building, unit and room pages (occupancy counts, no personal detail).
    "registry.view_places": {SECRETARY, STAFF, GRID_WORKER, PROPERTY},
    # Household cards and person pages.
    "registry.view_persons": {SECRETARY, STAFF, GRID_WORKER, RESIDENT},
    # Registry search, special-population and grid lists.
    "registry.lists": {SECRETARY, STAFF, GRID_WORKER},
    # Create, edit, move and mark moved out.
    "registry.edit": {SECRETARY, STAFF, GRID_WORKER},
    "registry.import": {SECRETARY, STAFF},
    "registry.export": {SECRETARY, STAFF, GRID_WORKER},
    # See one person's full ID and phone number (audited).
    "person.reveal": {SECRETARY, STAFF},
    # Exports carry full numbers (audited); others export masked.
    "export.unmasked": {SECRETARY, STAFF},
    # Counts across the communities of a street, no personal detail.
    "street.counts": {STREET},
    "community.dashboard": {SECRETARY, STAFF},
    # Setting the community up in the app: grids drawn from its buildings.
    "registry.setup": {SECRETARY, STAFF},
}


def _compounds_of_grids(grid_ids: list[int]) -> Q:
    """A compound is seen by the grid workers of any of its buildings."""
    from shequ.registry.models import Building

    return Q(id__in=Building.objects.filter(grid_id__in=grid_ids).values("compound_id"))


def register() -> None:
    from shequ.registry.models import Building, Community, Compound, Grid, Household, Person, Room, Unit

    declare_capabilities(CAPABILITIES)
    declare_scope(Community, member="id", street="street_id")
    # The communities a secretary or staff member runs whole (the duty roster, the dashboard).
    declare_scope(Community, variant="whole", community="id")
    declare_scope(Compound, community="community_id", grid=_compounds_of_grids,
                  property_company="property_company_id")
    for model, building in ((Building, ""), (Unit, "building__"), (Room, "unit__building__")):
        declare_scope(model, community="community_id", grid=f"{building}grid_id",
                      property_company=f"{building}compound__property_company_id")
    declare_scope(Grid, community="community_id", grid="id")
    declare_scope(Household, community="community_id", grid="room__unit__building__grid_id", household="id")
    declare_scope(Person, community="community_id", grid="household__room__unit__building__grid_id",
                  household="household_id")


def person_paths(person: str) -> dict[str, str]:
    """The scope paths of rows about a person (restrictions, passes): seen where the person is seen,
    the row's own ``community_id`` standing for the person's community."""
    return {"community": "community_id", "grid": f"{person}__household__room__unit__building__grid_id",
            "household": f"{person}__household_id"}
