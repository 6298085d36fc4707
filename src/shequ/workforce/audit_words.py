"""How the workforce's audit events read (audit/words.py): one entry per summary services.py writes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, choice, export_list, ref

_D = r"\d+"
_DAY = r"\d{4}-\d\d-\d\d"
WORDS = (
    Words("shift", r"shift (?P<shift>.*)", _("New shift %(shift)s."), action="create"),
    Words("post", rf"post (?P<kind>\w+) (?P<name>.*) needs (?P<needed>{_D})",
          _("New post %(name)s (%(kind)s): %(needed)s people needed."), action="create",
          values={"kind": choice("post", "kind")}),
    Words("post", rf"post (?P<name>.*) needs (?P<before>{_D}) -> (?P<needed>{_D})",
          _("Post %(name)s: people needed %(before)s → %(needed)s.")),
    Words("assignment", r"duty removed (?P<what>.*)", _("Duty removed: %(what)s."), action="update"),
    Words("assignment", r"duty (?P<what>.*)", _("Duty: %(what)s."), action="create"),
    Words("assignment", rf"call-out accepted (?P<who>\S+) (?P<post>.*) (?P<date>{_DAY})",
          _("%(who)s took the call-out for %(post)s on %(date)s."), action="create"),
    Words("volunteer", r"volunteer sign-up (?P<name>.*)", _("Volunteer sign-up: %(name)s."), action="create"),
    Words("volunteer", r"volunteer (?P<name>.*) approved as (?P<username>\S+)",
          _("Volunteer %(name)s approved, with the account %(username)s.")),
    Words("volunteer", r"volunteer (?P<name>.*) refused", _("Volunteer %(name)s refused.")),
    Words("healthdeclaration", rf"health status (?P<date>{_DAY}) (?P<temperature>[\d.]+)",
          _("Declared own temperature for %(date)s: %(temperature)s °C.")),
    Words("callout", rf"call-out (?P<post>.*) (?P<date>{_DAY}) (?P<shift>.*)",
          _("Call-out for %(post)s on %(date)s, %(shift)s."), action="create"),
    Words("callout", rf"call-out filled by (?P<who>\S+) after (?P<minutes>{_D}) min",
          _("Call-out filled by %(who)s after %(minutes)s minutes.")),
    Words("callout", rf"call-out cancelled (?P<post>.*) (?P<date>{_DAY})", _("Call-out for %(post)s on %(date)s cancelled.")),
    export_list(r"certificate of service", _("a certificate of service")),
    export_list(rf"user=(?P<user>{_D})", _("for %(user)s"), user=ref("user")),
)
