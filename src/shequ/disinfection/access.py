"""Who records disinfection and who sees it (core/scoping.py). Registered from
DisinfectionConfig.ready().

Places, rounds and reminders are seen by the whole community (secretary, staff), by a property
company's accounts for the compounds it manages (and nothing about people: a final disinfection
names the room, never who lived there), and by the street office for its communities (the board).
"""

from __future__ import annotations

from shequ.core.scoping import Role, declare_capabilities, declare_scope

SECRETARY, STAFF, PROPERTY, STREET = Role.SECRETARY, Role.STAFF, Role.PROPERTY, Role.STREET

CAPABILITIES = {
    # The phone screen: record a round of a place, or a home's final disinfection, in one's scope.
    "disinfection.record": {SECRETARY, STAFF, PROPERTY},
    # The board: places behind today, per property company; a round's page and photo.
    "disinfection.board": {SECRETARY, STAFF, PROPERTY, STREET},
    # Places and their targets; the reminder to the companies that are behind.
    "disinfection.manage": {SECRETARY, STAFF},
}


def register() -> None:
    from shequ.disinfection.models import Place, Reminder, Round

    declare_capabilities(CAPABILITIES)
    for model in (Place, Round):
        declare_scope(model, community="community_id", property_company="compound__property_company_id",
                      street="community__street_id")
    declare_scope(Reminder, community="community_id", property_company="property_company_id",
                  street="community__street_id")
