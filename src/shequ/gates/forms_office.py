"""Forms of the gate office: ledger filters, gate status, duty assignment."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, OnceForm, TimeInput
from shequ.gates import ledger
from shequ.gates.models import Decision, Direction, Gate
from shequ.workforce.models import Shift

EVERY = [("", _("all"))]


class DayForm(forms.Form):
    """?date=YYYY-MM-DD; today (local) when missing or unreadable."""

    date = forms.DateField(label=_("date"), required=False, widget=DateInput())

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # Without a date the page shows today: put it in the field too, so the form says which day it is.
        if data is None or not data.get("date"):
            data = data.copy() if data is not None else {}
            data["date"] = ledger.local_today().isoformat()
        super().__init__(data, *args, **kwargs)

    def day(self) -> dt.date:
        if self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        return ledger.local_today()


class LedgerFilterForm(DayForm):
    direction = forms.ChoiceField(label=_("direction"), required=False, choices=EVERY + list(Direction.choices))
    decision = forms.ChoiceField(label=_("decision"), required=False, choices=EVERY + list(Decision.choices))
    # Who went through the gate (not who recorded it: that is the guard column).
    subject = forms.ChoiceField(label=_("who passed"), required=False, choices=EVERY + [
        (ledger.SUBJECT_PERSON, _("residents")),
        (ledger.SUBJECT_VISITOR, _("visitors")),
        (ledger.SUBJECT_UNIDENTIFIED, _("unidentified")),
    ])
    offline = forms.BooleanField(label=_("decided offline only"), required=False)

    def filters(self) -> ledger.LedgerFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ledger.LedgerFilters(
            direction=data.get("direction") or None,
            decision=data.get("decision") or None,
            subject=data.get("subject") or None,
            offline_only=bool(data.get("offline")),
        )


class GateStatusForm(OnceForm):
    status = forms.ChoiceField(label=_("status"), choices=Gate.Status.choices)


class KeepOnlyForm(OnceForm):
    """"Only this gate stays open": no fields besides the once-only key."""


class DutyAssignForm(OnceForm):
    gate = forms.TypedChoiceField(label=_("gate"), coerce=int)
    shift = forms.TypedChoiceField(label=_("shift"), coerce=int)
    date = forms.DateField(label=_("date"), widget=DateInput())
    guard = forms.TypedChoiceField(label=_("guard"), coerce=int)

    def __init__(self, *args: Any, gates: list[Gate], shifts: list[Shift], guards: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gates = {g.pk: g for g in gates}
        self.shifts = {s.pk: s for s in shifts}
        self.guards = {u.pk: u for u in guards}
        cast(forms.ChoiceField, self.fields["gate"]).choices = [(g.pk, str(g)) for g in gates]
        cast(forms.ChoiceField, self.fields["shift"]).choices = [(s.pk, str(s)) for s in shifts]
        cast(forms.ChoiceField, self.fields["guard"]).choices = [(u.pk, f"{u.first_name} ({u.username})" if u.first_name else u.username)
                                        for u in guards]

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        today = ledger.local_today()
        if day < today - dt.timedelta(days=1):
            raise forms.ValidationError(_("Duty can only be planned from yesterday on."))
        if day > today + dt.timedelta(days=366):
            raise forms.ValidationError(_("Duty can be planned at most a year ahead."))
        return day

    def objects(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"gate": self.gates[d["gate"]], "shift": self.shifts[d["shift"]], "date": d["date"],
                "guard": self.guards[d["guard"]]}


class DutyRemoveForm(OnceForm):
    pass


class ShiftForm(OnceForm):
    name = forms.CharField(label=_("shift name"), max_length=30)
    starts = forms.TimeField(label=_("starts"), widget=TimeInput())
    ends = forms.TimeField(label=_("ends"), widget=TimeInput(),
                           help_text=_("An end at or before the start runs past midnight."))


class GateAddForm(OnceForm):
    """A new gate: the compound and its name (set-up in the app)."""

    compound = forms.TypedChoiceField(label=_("compound"), coerce=int)
    name = forms.CharField(label=_("gate"), max_length=60, help_text=_("For example 东门, 北门"))

    def __init__(self, *args: Any, compounds: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compounds = {c.pk: c for c in compounds}
        cast(forms.ChoiceField, self.fields["compound"]).choices = [(c.pk, c.name) for c in compounds]
