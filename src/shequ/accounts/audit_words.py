"""How the accounts app's audit events read (audit/words.py): one entry per summary services.py
writes. Usernames and token prefixes are codes people type; they stay as written."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, choice, ref

_D = r"\d+"
_ROLE = {"role": choice("membership", "role")}
WORDS = (
    Words("apitoken", r"created (?P<purpose>\w+) token (?P<prefix>\S+) for (?P<user>\S+)",
          _("Created a %(purpose)s API token %(prefix)s for %(user)s."), values={"purpose": choice("apitoken", "purpose")}),
    Words("apitoken", r"revoked token (?P<prefix>\S+) of (?P<user>\S+)", _("Revoked API token %(prefix)s of %(user)s.")),
    Words("user", r"one-time password issued for (?P<user>\S+)", _("Issued a one-time password for %(user)s.")),
    Words("user", r"password changed by (?P<user>\S+)", _("%(user)s changed their password.")),
    Words("user", r"account (?P<user>\S+) \((?P<name>.*)\) as street of (?P<street>\S+)",
          _("New street office account %(user)s (%(name)s) for street %(street)s."), action="create"),
    Words("user", r"account (?P<user>\S+) \((?P<name>.*)\) as (?P<role>\w+)", _("New account %(user)s (%(name)s) as %(role)s."),
          action="create", values=_ROLE),
    Words("user", r"role of (?P<user>\S+)", _("Changed the role of %(user)s.")),
    Words("user", r"account (?P<user>\S+) reactivated", _("Reactivated the account %(user)s.")),
    Words("user", r"account (?P<user>\S+) deactivated", _("Deactivated the account %(user)s.")),
    Words("user", r"signed (?P<user>\S+) out everywhere", _("Signed %(user)s out on every device.")),
    Words("user", rf"joined household=(?P<household>{_D}) by invite code as family of person=(?P<person>{_D})",
          _("Joined household %(household)s with an invite code, as family of %(person)s."),
          values={"household": ref("household"), "person": ref("person")}),
    Words("user", rf"joined household=(?P<household>{_D}) by invite code as person=(?P<person>{_D})",
          _("Joined household %(household)s with an invite code, as %(person)s."),
          values={"household": ref("household"), "person": ref("person")}),
    Words("user", r"membership (?P<role>\w+) of (?P<user>\S+) removed", _("Removed the role %(role)s of %(user)s."),
          values=_ROLE),
    Words("community", r"community (?P<code>\S+) (?P<name>.*) of street (?P<street>\S+)",
          _("New community %(name)s (code %(code)s) of street %(street)s."), action="create"),
    Words("street", r"street (?P<code>\S+) (?P<name>.*)", _("New street %(name)s (code %(code)s)."), action="create"),
    Words("invitecode", rf"invite code for household=(?P<household>{_D}) \(the old one revoked\)",
          _("Issued a new invite code for household %(household)s; the old one no longer works."),
          values={"household": ref("household")}),
    Words("invitecode", rf"invite code for household=(?P<household>{_D})",
          _("Issued an invite code for household %(household)s."), values={"household": ref("household")}),
)

# A user's events carry its membership in before/after (services._snapshot): keys that are no field
# of the user, read as the membership's role label and the names of what it is bound to.
USER_SNAPSHOT = {
    "role": (_("role"), choice("membership", "role")),
    "community": (_("community"), ref("community")),
    "grid": (_("grid"), ref("grid")),
    "property_company": (_("property company"), ref("propertycompany")),
    "household": (_("household"), ref("household")),
    "street": (_("street"), ref("street")),
}
