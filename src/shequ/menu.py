"""The menu: the pages each role starts from, in one list.

The header shows it (behind one button on a phone, in the header on a wide screen), and elder
mode's home page shows the same entries as large tiles, one task per tile (elder.py). A page a role
should find from anywhere joins by adding an Entry here, with the capability that opens it.

The residents' own actions of the coming issues (asking for help, orders, the follow-up
self-report) go here too, next to "My household" and "My passes": with the capability their app
declares for residents they appear on a resident's home, two taps from anything they need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from shequ.core.scoping import ANONYMOUS, Scope


def _own_household(scope: Scope) -> dict[str, Any] | None:
    """A resident's household card (a grid worker also views persons, but has no household of their own)."""
    households = scope.granted("household")
    if households and not scope.can("registry.lists"):
        return {"pk": min(households)}
    return None


@dataclass(frozen=True)
class Entry:
    capability: str
    url_name: str
    label: Any  # lazy translation
    hint: Any = ""  # one line under the tile on elder mode's home
    # The URL's arguments for this user, or None when the entry is not theirs; absent: no arguments.
    kwargs: Callable[[Scope], dict[str, Any] | None] | None = None


MENU: tuple[Entry, ...] = (
    Entry("registry.view_persons", "registry:household", _("My household"),
          _("Who lives here, and their details"), kwargs=_own_household),
    Entry("passes.own", "gates:passes_own", _("My passes"), _("The QR to show at the gate")),
    Entry("health.own", "health:mine", _("My health reports"), _("Temperature and symptoms, orders")),
    Entry("registry.lists", "registry:search", _("Search"), _("A name, pinyin, last digits or 9-2-502")),
    Entry("registry.view_places", "registry:compounds", _("Compounds"), _("Buildings, floor plans, rooms")),
    Entry("registry.lists", "registry:grids", _("Grids")),
    Entry("registry.lists", "registry:special", _("Special populations")),
    Entry("registry.lists", "registry:persons", _("Persons")),
    Entry("registry.import", "registry:import", _("Import")),
    Entry("gates.screen", "gates:screen_start", _("Gate screen"), _("Record who goes in and out")),
    Entry("gates.manage", "gates:gates", _("Gates")),
    Entry("passes.manage", "gates:passes", _("Passes")),
    Entry("containment.manage", "containment:index", _("Containment")),
    Entry("campaigns.field", "campaigns:list", _("Campaigns"), _("Door-to-door screening and test rounds")),
    Entry("health.followup", "health:followups", _("Today's follow-ups"), _("Households under quarantine")),
    Entry("health.view", "health:index", _("Health register")),
    Entry("health.epidemic_free", "health:epidemic_free", _("Epidemic-free compounds")),
    Entry("supplies.own", "supplies:mine", _("My orders"), _("Order food and medicine; confirm receipt")),
    Entry("services.own", "services:mine", _("Ask for help"), _("A doctor, medicine, heating, anything urgent")),
    Entry("services.requests", "services:requests", _("Help requests"), _("Calls, visits and messages asking for help")),
    Entry("services.tasks", "services:today", _("Today's care tasks"), _("Calls and visits to the people in your care")),
    Entry("services.care", "services:care", _("Care plans")),
    Entry("supplies.inbox", "supplies:inbox", _("Supplies"), _("Orders from group messages and calls")),
    Entry("supplies.order", "supplies:orders", _("Orders")),
    Entry("supplies.deliver", "supplies:runs", _("Delivery runs")),
    Entry("workforce.own", "workforce:mine", _("My shifts"), _("Shifts, call-outs, today's temperature")),
    Entry("workforce.manage", "workforce:board", _("Duty board"), _("Posts and shifts, gaps, call-outs")),
    Entry("workforce.manage", "workforce:volunteers", _("Volunteers")),
    Entry("notices.own", "notices:mine", _("Notices"), _("What the community has announced")),
    Entry("notices.knock", "notices:list", _("Notices"), _("Posters, group texts, door-knock lists")),
    Entry("disinfection.record", "disinfection:record", _("Record disinfection"), _("A round with its photo")),
    Entry("disinfection.board", "disinfection:board", _("Disinfection board")),
    Entry("stock.view", "stock:sheet", _("Prevention supplies"), _("Masks, suits, disinfectant: stock and days left")),
    Entry("reports.prepare", "reports:community", _("Daily report"), _("The day's figures for the street")),
    Entry("reports.street", "reports:street", _("Daily reports"), _("Every community's report of the day")),
    Entry("alerts.read", "alerts:list", _("Alerts")),
    Entry("audit.read", "audit:events", _("Audit log")),
    Entry("accounts.manage", "accounts:members", _("Accounts")),
    Entry("accounts.street", "accounts:street", _("Communities and accounts")),
)


@dataclass(frozen=True)
class Item:
    label: Any
    hint: Any
    url: str
    current: bool


def menu_for(request: HttpRequest) -> list[Item]:
    """The entries this user may open, the one whose page (or a page under it) is open marked current."""
    scope: Scope = getattr(request, "scope", ANONYMOUS)
    found: list[tuple[Entry, str]] = []
    for entry in MENU:
        if not scope.can(entry.capability):
            continue
        kwargs = entry.kwargs(scope) if entry.kwargs else {}
        if kwargs is None:
            continue
        found.append((entry, reverse(entry.url_name, kwargs=kwargs)))
    matches = [url for _entry, url in found if request.path.startswith(url)]
    current = max(matches, key=len) if matches else None
    return [Item(entry.label, entry.hint, url, url == current) for entry, url in found]


def context(request: HttpRequest) -> dict[str, Any]:
    return {"menu": SimpleLazyObject(lambda: menu_for(request))}
