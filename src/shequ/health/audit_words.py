"""How the health app's audit events read (audit/words.py): one entry per summary services.py writes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Lookup, Words, choice, export_list, ref, translated

_D = r"\d+"
_AT = r"\d{4}-\d\d-\d\d \d\d:\d\d"
_ITEMS = {"publicity": _("publicity"), "closed_management": _("closed management"),
          "door_to_door": _("door-to-door registration"), "disinfection": _("disinfection"),
          "supply": _("supply guarantee"), "organisation": _("organisation")}


def _items(text: str, lookup: Lookup) -> str:
    names = [n.strip() for n in text.split(",") if n.strip()]
    return "、".join(str(_ITEMS.get(n, n)) for n in names) if names else str(_("none"))


WORDS = (
    Words("healthentry", rf"health status (?P<status>\w+) \((?P<source>\w+)\) person=(?P<person>{_D})",
          _("Health status of %(person)s: %(status)s (source: %(source)s)."),
          values={"status": choice("healthentry", "status"), "source": choice("healthentry", "source"),
                  "person": ref("person")}),
    Words("quarantinepolicy", r"policy (?P<name>.*): (?P<quarantine>\d+)\+(?P<monitoring>\d+) days, tests (?P<tests>.*)",
          _("Policy %(name)s: %(quarantine)s days of quarantine, then %(monitoring)s days of monitoring; "
            "tests on days %(tests)s.")),
    Words("quarantineorder", rf"(?P<kind>\w+) (?P<policy>.*) person=(?P<person>{_D}) until (?P<until>{_AT})",
          _("Ordered %(kind)s for %(person)s under policy %(policy)s, until %(until)s."), action="create",
          values={"kind": choice("quarantineorder", "kind"), "person": ref("person")}),
    Words("quarantineorder", rf"order (?P<kind>\w+): until (?P<until>{_AT}) \((?P<reason>.*)\)",
          _("Order %(kind)s: now until %(until)s (reason: %(reason)s)."),
          values={"kind": choice("orderchange", "kind")}),
    Words("facility", rf"facility (?P<name>.*): (?P<kind>\w+), (?P<capacity>{_D}) rooms",
          _("Facility %(name)s: %(kind)s, %(capacity)s rooms."), values={"kind": choice("facility", "kind")}),
    Words("transfer", rf"transfer (?P<state>\w+): person=(?P<person>{_D}) \((?P<destination>\w+)\)",
          _("Transfer of %(person)s to %(destination)s: %(state)s."),
          values={"state": choice("transfer", "state"), "person": ref("person"),
                  "destination": choice("transfer", "destination")}),
    Words("homechecklist", rf"home checklist household=(?P<household>{_D})",
          _("Home checklist of household %(household)s updated."), values={"household": ref("household")}),
    Words("epidemicfreerule", rf"epidemic-free rule: (?P<days>{_D}) days, checklist (?P<checklist>required|not required)",
          _("Epidemic-free rule: %(days)s days without a case; control checklist %(checklist)s."),
          values={"checklist": translated({"required": _("required"), "not required": _("not required")})}),
    Words("controlchecklist", rf"control checklist compound=(?P<compound>{_D}): (?P<items>.*)",
          _("Control checklist of %(compound)s: done %(items)s."),
          values={"compound": ref("compound"), "items": _items}),
    export_list(r"health register", _("the health register")),
    export_list(r"quarantine orders", _("the quarantine orders")),
    export_list(r"follow-ups due", _("the follow-ups due")),
    export_list(r"health floor plan", _("the health floor plan")),
    export_list(r"order letter pdf", _("the order letter (PDF)")),
    export_list(r"door notice pdf", _("the door notice (PDF)")),
    export_list(r"shown on the page", _("as shown on the page")),
)
# The health register's filter (health/views.py).
FILTERS = {"status": (_("health status"), choice("healthentry", "status")), "building": (_("building"), ref("building"))}
