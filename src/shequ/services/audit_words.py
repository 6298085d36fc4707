"""How the resident services' audit events read (audit/words.py): help requests and care plans."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, choice, export_list, ref

_D = r"\d+"
WORDS = (
    Words("helprequest", r"help request (?P<category>\w+) (?P<urgency>\w+) source=(?P<source>\w+)",
          _("New help request: %(category)s, %(urgency)s, by %(source)s."), action="create",
          values={"category": choice("helprequest", "category"), "urgency": choice("helprequest", "urgency"),
                  "source": choice("helprequest", "source")}),
    Words("helprequest", rf"assigned to (?P<user>{_D})", _("Assigned to %(user)s."), values={"user": ref("user")}),
    Words("helprequest", r"resolved", _("Marked resolved.")),
    Words("helprequest", r"called back (?P<satisfaction>\w*)", _("Called back: %(satisfaction)s."),
          values={"satisfaction": choice("helprequest", "satisfaction")}),
    Words("helprequest", r"closed", _("Closed the help request.")),
    Words("helpstep", rf"step of (?P<request>{_D})", _("A step recorded on help request %(request)s."),
          values={"request": ref("helprequest")}),
    Words("careplan", rf"assigned to (?P<user>{_D})", _("Care plan assigned to %(user)s."), values={"user": ref("user")}),
    Words("careplan", rf"care plan person=(?P<person>{_D}) assignee=(?P<user>{_D}) tasks=(?P<tasks>{_D})",
          _("Care plan for %(person)s, cared for by %(user)s: %(tasks)s tasks."),
          values={"person": ref("person"), "user": ref("user")}),
    Words("caretask", r"care task (?P<kind>\w+)", _("New care task: %(kind)s."), values={"kind": choice("caretask", "kind")}),
    # Care outcomes are their own ledger now (no audit event); the rows written before still read.
    Words("carevisit", r"care (?P<kind>\w+) (?P<due>\d{4}-\d\d-\d\d) (?P<outcome>\w+)",
          _("Care %(kind)s due %(due)s: %(outcome)s."),
          values={"kind": choice("caretask", "kind"), "outcome": choice("carevisit", "outcome")}),
    export_list(r"help request ledger", _("the help request ledger")),
)
