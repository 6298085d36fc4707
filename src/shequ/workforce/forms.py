"""Forms of the workforce pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, OnceForm
from shequ.workforce.models import Post, Shift, Volunteer


class SignupForm(OnceForm):
    """The public sign-up (from the QR poster): no account needed."""

    name = forms.CharField(label=_("name"), max_length=60)
    phone = forms.CharField(label=_("phone"), max_length=20)
    building = forms.TypedChoiceField(label=_("building"), coerce=int, required=False, empty_value=None)
    skills = forms.MultipleChoiceField(label=_("skills"), choices=Volunteer.Skill.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    languages = forms.CharField(label=_("languages"), max_length=100, required=False,
                                help_text=_("Besides Mandarin, for example 粤语, English"))
    availability = forms.CharField(label=_("availability"), max_length=200, required=False,
                                   help_text=_("For example: weekday evenings, weekends all day"))

    def __init__(self, *args: Any, buildings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buildings = {b.pk: b for b in buildings}
        cast(forms.ChoiceField, self.fields["building"]).choices = [("", "—")] + [
            (b.pk, f"{b.compound.name} {b.number}") for b in buildings]


class PostForm(OnceForm):
    kind = forms.ChoiceField(label=_("kind"), choices=[c for c in Post.Kind.choices if c[0] != Post.Kind.GATE])
    name = forms.CharField(label=_("name"), max_length=80)
    needed = forms.IntegerField(label=_("people per shift"), min_value=1, max_value=50, initial=1)


class CallOutForm(OnceForm):
    post = forms.TypedChoiceField(label=_("post"), coerce=int)
    shift = forms.TypedChoiceField(label=_("shift"), coerce=int)
    date = forms.DateField(label=_("date"), widget=DateInput())

    def __init__(self, *args: Any, posts: list[Post], shifts: list[Shift], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.posts = {p.pk: p for p in posts}
        self.shifts = {s.pk: s for s in shifts}
        cast(forms.ChoiceField, self.fields["post"]).choices = [(p.pk, p.name) for p in posts]
        cast(forms.ChoiceField, self.fields["shift"]).choices = [(s.pk, str(s)) for s in shifts]
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def objects(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"post": self.posts[d["post"]], "shift": self.shifts[d["shift"]], "date": d["date"]}

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        if day > timezone.localdate() + dt.timedelta(days=31):
            raise forms.ValidationError(_("A call-out is for the coming month at most."))
        return day


class HealthForm(OnceForm):
    temperature = forms.CharField(label=_("temperature (°C)"), max_length=10,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.5"}))
