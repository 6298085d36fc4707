"""How the passes' audit events read (audit/words.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.audit.words import Words, ref

WORDS = (
    Words("pass", r"pass for person=(?P<person>\d+) \(reissued\)", _("Reissued the pass of %(person)s."),
          values={"person": ref("person")}),
    Words("pass", r"pass for person=(?P<person>\d+)", _("Issued a pass for %(person)s."), values={"person": ref("person")}),
)
