"""Forms of the containment pages: a period (start, end) plus what is set for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.containment.models import Level, RestrictionKind
from shequ.core.forms import ISO_MINUTE, DateTimeInput
from shequ.registry.forms import OnceForm
from shequ.registry.models import Unit


def _moment(label: str, help_text: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=False, help_text=help_text, input_formats=[ISO_MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=DateTimeInput(),
        error_messages={"invalid": _("Enter a date and time such as 2022-04-01 08:00.")},
    )


class PeriodForm(OnceForm):
    """Start (empty: now) and end (empty: until ended by hand). Times are the community's local time."""

    starts_at = _moment(_("starts"), _("Leave empty to start now."))
    ends_at = _moment(_("ends"), _("Leave empty to keep it in force until it is ended here."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = timezone.now()
        if not self.is_bound:
            self.initial.setdefault("starts_at", timezone.localtime(self.now).replace(second=0, microsecond=0))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts: dt.datetime | None = data.get("starts_at")
        ends: dt.datetime | None = data.get("ends_at")
        if "starts_at" in self.errors or "ends_at" in self.errors:
            return data
        data["starts_at"] = starts = starts or self.now
        if ends is not None:
            if ends <= starts:
                self.add_error("ends_at", _("The end must be later than the start."))
            elif ends <= self.now:
                self.add_error("ends_at", _("The end is in the past: it would never be in force."))
        return data


class RestrictionForm(PeriodForm):
    kind = forms.ChoiceField(label=_("kind"), choices=RestrictionKind.choices)
    reason = forms.CharField(label=_("reason"), max_length=200,
                             help_text=_("For example: close contact of a confirmed case"))

    field_order = ["kind", "starts_at", "ends_at", "reason"]


class AreaForm(PeriodForm):
    """A containment level on a compound or building; on a building page also on one of its units."""

    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)

    field_order = ["place", "level", "starts_at", "ends_at", "reason"]

    def __init__(self, *args: Any, units: list[Unit] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units or []}
        if units:
            self.fields["place"] = forms.ChoiceField(
                label=_("where"),
                choices=[("", _("the whole building"))] + [(str(u.pk), str(u)) for u in units],
                required=False,
            )
            self.order_fields(self.field_order)

    def unit(self) -> Unit | None:
        return self.units.get(self.cleaned_data.get("place") or "")


class QuotaForm(PeriodForm):
    persons = forms.IntegerField(label=_("exits per household"), min_value=1, max_value=20, initial=1)
    days = forms.IntegerField(label=_("every so many days"), min_value=1, max_value=30, initial=2)

    field_order = ["persons", "days", "starts_at", "ends_at"]


class EndForm(OnceForm):
    """Confirming that something ends now."""


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a person"), max_length=100, required=False,
                        help_text=_("A name, pinyin initials, the last digits of a phone or ID number, or an "
                                    "address such as 9-2-502"))
