"""How the stock app's audit events read (audit/words.py): one entry per summary services.py writes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, choice, export_list, ref

_D = r"\d+"
_Q = r"-?[\d.]+"
WORDS = (
    Words("item", r"item (?P<kind>\w+)", _("New stock item: %(kind)s."), action="create",
          values={"kind": choice("item", "kind")}),
    Words("store", r"store (?P<kind>\w+)", _("New store: %(kind)s."), action="create",
          values={"kind": choice("store", "kind")}),
    Words("movement", rf"receipt (?P<quantity>{_Q}) item=(?P<item>{_D}) store=(?P<store>{_D})",
          _("Received %(quantity)s %(item)s into %(store)s."), values={"item": ref("item"), "store": ref("store")}),
    Words("movement", rf"issue (?P<quantity>{_Q}) item=(?P<item>{_D}) store=(?P<store>{_D})",
          _("Issued %(quantity)s %(item)s from %(store)s."), values={"item": ref("item"), "store": ref("store")}),
    Words("movement", rf"transfer (?P<quantity>{_Q}) item=(?P<item>{_D}) (?P<source>{_D})->(?P<target>{_D})",
          _("Moved %(quantity)s %(item)s from %(source)s to %(target)s."),
          values={"item": ref("item"), "source": ref("store"), "target": ref("store")}),
    export_list(r"stock sheet", _("the stock sheet")),
)
