"""Forms of the daily reports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, OnceForm, TimeInput
from shequ.reports.figures import FIGURES


class ComputeForm(OnceForm):
    """Compute the day's report (again), or state that there is nothing to report."""

    community = forms.TypedChoiceField(label=_("community"), coerce=int)
    day = forms.DateField(label=_("day"), widget=DateInput)
    reason = forms.CharField(label=_("why it is sent again"), max_length=300, required=False)
    zero = forms.BooleanField(label=_("nothing to report"), required=False)
    remarks = forms.CharField(label=_("remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, communities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]  # type: ignore[attr-defined]


class CorrectForm(OnceForm):
    key = forms.ChoiceField(label=_("figure"), choices=[(f.key, f.label) for f in FIGURES])
    value = forms.IntegerField(label=_("value"), min_value=0)
    reason = forms.CharField(label=_("reason"), max_length=300)


class SubmitForm(OnceForm):
    remarks = forms.CharField(label=_("remarks"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SettingForm(OnceForm):
    street = forms.TypedChoiceField(label=_("street"), coerce=int)
    cutoff = forms.TimeField(label=_("cut-off"), widget=TimeInput)
    deadline = forms.TimeField(label=_("deadline"), widget=TimeInput)

    def __init__(self, *args: Any, streets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [(s.pk, s.name) for s in streets]  # type: ignore[attr-defined]
