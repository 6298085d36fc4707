"""How the campaigns' audit events read (audit/words.py): one entry per summary services.py,
results.py and exports.py write, old and new."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, choice, export_list, ref, translated

_D = r"\d+"
WORDS = (
    Words("campaign", r"campaign (?P<kind>\w+) (?P<name>.*)", _("New %(kind)s: %(name)s."), action="create",
          values={"kind": choice("campaign", "kind")}),
    Words("campaign", rf"campaign opened: (?P<households>{_D}) households, (?P<persons>{_D}) persons",
          _("Opened the campaign: %(households)s households, %(persons)s persons to reach.")),
    Words("campaign", r"campaign closed", _("Closed the campaign.")),
    Words("target", rf"campaign=(?P<campaign>{_D}) person=(?P<person>{_D}) exempt=-",
          _("%(person)s no longer exempt from %(campaign)s."),
          values={"campaign": ref("campaign"), "person": ref("person")}),
    Words("target", rf"campaign=(?P<campaign>{_D}) person=(?P<person>{_D}) exempt=(?P<reason>\w+)",
          _("%(person)s exempt from %(campaign)s: %(reason)s."),
          values={"campaign": ref("campaign"), "person": ref("person"), "reason": choice("target", "exempt_reason")}),
    Words("visit", rf"visit campaign=(?P<campaign>{_D}) household=(?P<household>{_D}) (?P<outcome>\w+)",
          _("Visit for %(campaign)s: household %(household)s, %(outcome)s."),
          values={"campaign": ref("campaign"), "household": ref("household"), "outcome": choice("visit", "outcome")}),
    Words("samplingpoint", rf"sampling point (?P<name>.*) campaign=(?P<campaign>{_D})",
          _("New sampling point %(name)s for %(campaign)s."), values={"campaign": ref("campaign")}),
    Words("tube", rf"tube (?P<code>\S+): (?P<samples>{_D}) samples, (?P<size>{_D})/(?P<pooling>{_D}) closed",
          _("Tube %(code)s: %(samples)s samples added, %(size)s of %(pooling)s, closed.")),
    Words("tube", rf"tube (?P<code>\S+): (?P<samples>{_D}) samples, (?P<size>{_D})/(?P<pooling>{_D})",
          _("Tube %(code)s: %(samples)s samples added, %(size)s of %(pooling)s.")),
    Words("tube", rf"tube (?P<code>\S+) closed with (?P<size>{_D})/(?P<pooling>{_D})",
          _("Tube %(code)s closed with %(size)s of %(pooling)s.")),
    Words("tube", rf"tube (?P<code>\S+) result (?P<result>\w+); (?P<retest>{_D}) to re-test",
          _("Tube %(code)s: result %(result)s; %(retest)s persons to re-test."),
          values={"result": choice("tube", "result")}),
    Words("tube", rf"tube (?P<code>\S+): home quarantine for (?P<days>{_D}) days ordered for (?P<ordered>{_D}) "
                  rf"persons; (?P<already>{_D}) already restricted",
          _("Tube %(code)s: home quarantine for %(days)s days ordered for %(ordered)s persons; "
            "%(already)s already restricted.")),
    Words("campaign", rf"results (?P<file>.*): (?P<rows>{_D}) rows, (?P<imported>{_D}) imported, (?P<rejected>{_D}) rejected",
          _("Imported lab results %(file)s: %(rows)s rows, %(imported)s imported, %(rejected)s rejected."), action="import"),
    export_list(r"campaign (?P<what>missing list|re-test list) (?P<format>xlsx|pdf)", _("%(what)s (%(format)s)"),
                what=translated({"missing list": _("the missing list"), "re-test list": _("the re-test list")})),
)
