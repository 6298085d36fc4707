"""How the alerts' audit events read (audit/words.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, choice

WORDS = (
    Words("alert", r"acknowledged (?P<kind>\w+)", _("Acknowledged the alert (%(kind)s)."),
          values={"kind": choice("alert", "kind")}),
)
