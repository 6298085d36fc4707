"""How the containment app's audit events read (audit/words.py): one entry per summary services.py writes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.audit.words import Lookup, Words, choice, place, ref

_D = r"\d+"
_AT = r"\d{4}-\d\d-\d\d \d\d:\d\d"


def _holder(text: str, lookup: Lookup) -> str:
    """``person=12`` or ``visitor phone=138****5678`` (the permit's holder)."""
    if text.startswith("person="):
        return lookup("person", int(text[len("person="):]))
    return str(_("visitor %(phone)s") % {"phone": text.removeprefix("visitor phone=")})


def _permit(text: str, lookup: Lookup) -> str:
    return str({"granted": pgettext_lazy("permit", "granted"), "requested": pgettext_lazy("permit status", "requested"),
                "approved": pgettext_lazy("permit status", "approved"), "refused": pgettext_lazy("permit status", "refused"),
                "revoked": pgettext_lazy("permit status", "revoked")}.get(text, text))


_PERMIT = (rf"permit (?P<what>\w+): (?P<holder>person={_D}|visitor phone=\S+) at (?P<place>\w+={_D}), "
           rf"(?P<starts>{_AT}) - (?P<ends>{_AT})")
_PERMIT_VALUES = {"what": _permit, "holder": _holder, "place": place}

WORDS = (
    Words("movementrestriction", rf"(?P<kind>\w+) person=(?P<person>{_D})", _("%(kind)s for %(person)s."),
          action="create", values={"kind": choice("movementrestriction", "kind"), "person": ref("person")}),
    Words("movementrestriction", rf"ended person=(?P<person>{_D})", _("Ended the restriction of %(person)s."),
          values={"person": ref("person")}),
    Words("containmentarea", rf"(?P<level>\w+) (?P<place>\w+={_D})", _("%(place)s made a %(level)s."),
          action="create", values={"level": choice("containmentarea", "level"), "place": place}),
    Words("containmentarea", r"ended (?P<level>\w+)", _("Ended the %(level)s."),
          values={"level": choice("containmentarea", "level")}),
    Words("permit", _PERMIT + r" at (?P<where>.*)",
          _("Permit %(what)s: %(holder)s at %(place)s, %(starts)s to %(ends)s; asked at %(where)s."),
          values=_PERMIT_VALUES),
    Words("permit", _PERMIT, _("Permit %(what)s: %(holder)s at %(place)s, %(starts)s to %(ends)s."),
          values=_PERMIT_VALUES),
    Words("exitquota", rf"exit quota (?P<persons>{_D})/(?P<days>{_D})d compound=(?P<compound>{_D})",
          _("Exit quota for %(compound)s: %(persons)s exits per household every %(days)s days."),
          values={"compound": ref("compound")}),
    Words("exitquota", r"exit quota ended", _("Ended the exit quota.")),
)
