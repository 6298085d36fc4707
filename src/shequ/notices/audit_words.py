"""How the notices' audit events read (audit/words.py): one entry per summary services.py writes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, choice, export_list, fields

WORDS = (
    Words("notice", r"notice (?P<title>.*)", _("New notice: %(title)s."), action="create"),
    Words("notice", r"edited: (?P<fields>.*)", _("Edited: %(fields)s."), values={"fields": fields("notice")}),
    Words("notice", r"published", _("Published the notice.")),
    Words("notice", r"withdrawn", _("Withdrew the notice.")),
    Words("knock", r"(?P<address>\S+) (?P<outcome>\w+)", _("%(address)s: %(outcome)s."),
          values={"outcome": choice("knock", "outcome")}),
    Words("inperson", r"told in person: (?P<address>.*)", _("%(address)s is told of notices in person.")),
    Words("household", r"no longer told in person: (?P<address>.*)", _("%(address)s is no longer told in person.")),
    export_list(r"door-knock list", _("the door-knock list")),
)
