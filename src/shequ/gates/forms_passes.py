"""Forms of the pass pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import OnceForm


class PassIssueForm(OnceForm):
    """Confirming an issue or reissue: the key makes a double submit issue one pass, not two (a second
    pass would revoke the first at once and the card just printed would stop working)."""


class PassSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a person"), max_length=100, required=False,
                        help_text=_("A name, pinyin initials, the last digits of a phone or ID number, or an "
                                    "address such as 9-2-502"))
