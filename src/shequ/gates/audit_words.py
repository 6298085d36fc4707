"""How the gates' audit events read (audit/words.py): one entry per summary services.py writes and
the lists the office prints or exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.audit.words import Words, choice, export_list, place, ref, translated

_D = r"\d+"
# With a context: "open" is also a call-out's status (待补位) in the merged catalogue.
_STATUS = translated({"open": pgettext_lazy("gate status", "open"), "closed": pgettext_lazy("gate status", "closed")})
WORDS = (
    Words("gatedevice", rf"gate device token (?P<prefix>\S+) for (?P<user>\S+) bound to gate=(?P<gate>{_D})",
          _("Gate device token %(prefix)s for %(user)s, bound to gate %(gate)s."), values={"gate": ref("gate")}),
    Words("gatedevice", rf"gate device token (?P<prefix>\S+) revoked \(gate=(?P<gate>{_D})\)",
          _("Revoked gate device token %(prefix)s (gate %(gate)s)."), values={"gate": ref("gate")}),
    Words("gate", rf"gate (?P<name>.*) of compound=(?P<compound>{_D})", _("New gate %(name)s of %(compound)s."),
          action="create", values={"compound": ref("compound")}),
    Words("gate", r"gate status (?P<before>\w+) -> (?P<after>\w+)", _("Gate status: %(before)s → %(after)s."),
          values={"before": _STATUS, "after": _STATUS}),
    # A guard's duty (workforce's Assignment): guard, gate, date and shift as names.
    Words("assignment", r"duty (?P<what>.*)", _("Duty: %(what)s."), action="create"),
    export_list(rf"pass cards (?P<place>\w+={_D})", _("pass cards of %(place)s"), place=place),
    export_list(rf"(?P<issued>{_D}) passes issued", _("%(issued)s passes issued")),
    export_list(rf"(?P<issued>{_D}) passes issued, (?P<codes>{_D}) invite codes issued",
                _("%(issued)s passes issued, %(codes)s invite codes issued")),
    export_list(rf"gate ledger (?P<gate>{_D}) (?P<day>\d{{4}}-\d\d-\d\d)", _("the ledger of %(gate)s on %(day)s"),
                gate=ref("gate")),
)
# The ledger's filters (forms_office.LedgerFilterForm), as its export's query records them.
FILTERS = {
    "date": (_("date"), None),
    "direction": (_("direction"), choice("passage", "direction")),
    "decision": (_("decision"), choice("passage", "decision")),
    "subject": (_("who passed"), translated({"person": _("residents"), "visitor": _("visitors"),
                                             "unidentified": _("unidentified")})),
    "offline": (_("decided offline only"), translated({"on": _("yes"), "true": _("yes"), "1": _("yes")})),
}
