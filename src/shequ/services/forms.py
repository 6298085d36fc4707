"""Forms of the resident services pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, OnceForm
from shequ.services.models import CareVisit, Category, HelpRequest

STAFF_SOURCES = [(k, v) for k, v in HelpRequest.Source.choices
                 if k not in (HelpRequest.Source.RESIDENT, HelpRequest.Source.CARE)]


class RequestForm(OnceForm):
    """A request taken by staff (a call, a visit, a gate): the household's address, or where the
    person is when they are not a household of the registry (workers trapped in a flat)."""

    address = forms.CharField(label=_("household"), max_length=100, required=False,
                              help_text=_("For example 9-2-502 or 富通小区9-2-502"))
    location = forms.CharField(label=_("or where"), max_length=200, required=False,
                               help_text=_("When it is not a household: 9号楼302, the east gate"))
    contact = forms.CharField(label=_("contact"), max_length=100, required=False,
                              help_text=_("Who called, and their phone"))
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("urgency"), choices=HelpRequest.Urgency.choices)
    source = forms.ChoiceField(label=_("source"), choices=STAFF_SOURCES)
    text = forms.CharField(label=_("what is needed"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, communities: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if communities is not None and len(communities) > 1:
            self.fields["community"] = forms.TypedChoiceField(label=_("community"), choices=communities, coerce=int)


class OwnRequestForm(OnceForm):
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    urgent = forms.BooleanField(label=_("urgent"), required=False)
    text = forms.CharField(label=_("what do you need"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(OnceForm):
    def __init__(self, *args: Any, handlers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"] = forms.TypedChoiceField(label=_("handler"), choices=handlers, coerce=int)


class StepForm(OnceForm):
    text = forms.CharField(label=_("step"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(OnceForm):
    outcome = forms.CharField(label=_("outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CallbackForm(OnceForm):
    satisfaction = forms.ChoiceField(label=_("satisfaction"), choices=HelpRequest.Satisfaction.choices)
    note = forms.CharField(label=_("note"), max_length=2000, required=False)


class LedgerForm(forms.Form):
    start = forms.DateField(label=_("from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("to"), required=False, widget=DateInput())


class CarePlanForm(OnceForm):
    person = forms.IntegerField(widget=forms.HiddenInput)
    call_daily = forms.BooleanField(label=_("a phone call every day"), required=False, initial=True)
    visit_weekly = forms.BooleanField(label=_("a home visit every week"), required=False)
    medicine = forms.CharField(label=_("medicine to refill"), max_length=100, required=False)
    dose = forms.CharField(label=_("dose"), max_length=100, required=False)
    every_days = forms.IntegerField(label=_("refill every N days"), min_value=1, max_value=365, required=False)
    runs_out_on = forms.DateField(label=_("runs out on"), required=False, widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args: Any, assignees: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = forms.TypedChoiceField(label=_("assignee"), choices=assignees, coerce=int)


class VisitForm(OnceForm):
    outcome = forms.ChoiceField(choices=CareVisit.Outcome.choices)
    note = forms.CharField(label=_("note"), max_length=500, required=False)
