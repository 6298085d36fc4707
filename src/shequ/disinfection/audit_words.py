"""How the disinfection app's audit events read (audit/words.py): one entry per summary services.py writes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, choice, ref

_D = r"\d+"
WORDS = (
    Words("place", rf"place (?P<kind>\w+) target=(?P<target>{_D})",
          _("New place to disinfect (%(kind)s): %(target)s rounds a day."), action="create",
          values={"kind": choice("place", "kind")}),
    # Rounds are their own ledger now (no audit event); the rows written before still read.
    Words("round", rf"round place=(?P<place>{_D}) photo", _("Disinfection round at %(place)s, with a photo."),
          values={"place": ref("place")}),
    Words("round", rf"round place=(?P<place>{_D})", _("Disinfection round at %(place)s."), values={"place": ref("place")}),
    Words("round", rf"final disinfection room=(?P<room>{_D})", _("Final disinfection of %(room)s."),
          values={"room": ref("room")}),
    Words("reminder", rf"reminder company=(?P<company>{_D}) behind=(?P<behind>{_D})",
          _("Reminded %(company)s: %(behind)s places behind."), values={"company": ref("propertycompany")}),
)
