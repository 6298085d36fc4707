"""How the supplies app's audit events read (audit/words.py): one entry per summary services.py
writes and the lists views.py exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Lookup, Words, choice, export_list, ref

_D = r"\d+"


def _supply(text: str, lookup: Lookup) -> str:
    return str(_("as ordered")) if text == "as ordered" else choice("orderitem", "supply")(text, lookup)


def _compound(text: str, lookup: Lookup) -> str:
    return lookup("compound", int(text)) if text.isdigit() else str(_("every compound"))


WORDS = (
    Words("inboxmessage", rf"pasted (?P<count>{_D}) messages batch=(?P<batch>\S+)",
          _("Pasted %(count)s group messages."), action="create"),
    Words("inboxmessage", r"set aside", _("Set the message aside.")),
    Words("order", rf"(?P<kind>\w+) household=(?P<household>{_D}) items=(?P<items>{_D}) source=(?P<source>\w+)",
          _("New %(kind)s for household %(household)s: %(items)s items, by %(source)s."), action="create",
          values={"kind": choice("order", "kind"), "household": ref("household"), "source": choice("order", "source")}),
    Words("order", r"(?P<before>\w+) -> cancelled ?(?P<reason>.*)", _("%(before)s → cancelled. %(reason)s"),
          values={"before": choice("order", "status")}),
    Words("order", r"(?P<before>\w+) -> (?P<to>\w+)", _("Status %(before)s → %(to)s."),
          values={"before": choice("order", "status"), "to": choice("order", "status")}),
    Words("order", rf"item=(?P<item>{_D}) (?P<supply>as ordered|short|substituted) ?(?P<substitute>.*)",
          _("%(item)s: %(supply)s %(substitute)s"), values={"item": ref("orderitem"), "supply": _supply}),
    Words("order", r"left at the door", _("Left at the door.")),
    Words("shop", r"shop (?P<name>.*)", _("New shop %(name)s."), action="create"),
    Words("package", r"package (?P<name>.*)", _("New package %(name)s."), action="create"),
    Words("distribution", rf"government pack households=(?P<households>{_D}) compound=(?P<compound>\w*)",
          _("Government pack for %(households)s households (%(compound)s)."), values={"compound": _compound}),
    Words("run", rf"run courier=(?P<courier>{_D}) orders=(?P<orders>{_D}) risk=(?P<risk>True|False)",
          _("New run by %(courier)s with %(orders)s orders%(risk)s."), action="create",
          values={"courier": ref("user"), "risk": lambda text, lookup: str(_(", through a risk building"))
                  if text == "True" else ""}),
    Words("run", r"out", _("The run left.")),
    Words("run", r"done", _("The run is done.")),
    Words("run", rf"(?P<what>entered|left) building=(?P<building>{_D})", _("%(building)s: %(what)s."),
          action="create", values={"what": choice("runstep", "what"), "building": ref("building")}),
    export_list(r"purchase list", _("the purchase list")),
    export_list(r"bag labels", _("the bag labels")),
)
