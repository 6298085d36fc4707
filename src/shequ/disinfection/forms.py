"""Forms of the disinfection pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateTimeInput, OnceForm
from shequ.disinfection.models import Place


class PlaceForm(OnceForm):
    compound = forms.TypedChoiceField(label=_("compound"), coerce=int)
    kind = forms.ChoiceField(label=_("kind"), choices=Place.Kind.choices)
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("Building 9, unit 2 stairwell; north gate..."))
    target_per_day = forms.IntegerField(label=_("rounds a day"), min_value=1, max_value=48, initial=5)


class RoundForm(forms.Form):
    """A round from the phone screen. ``client_id``: the phone's id of this round (a resend of the
    queue, or a second tap, records it once)."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    place = forms.TypedChoiceField(label=_("place"), coerce=int, required=False, empty_value=None)
    final = forms.UUIDField(widget=forms.HiddenInput, required=False)
    at = forms.DateTimeField(label=_("time"), required=False, widget=DateTimeInput,
                             help_text=_("Leave empty for now."))
    agent = forms.CharField(label=_("agent"), max_length=60, help_text=_("84 disinfectant, chlorine tablets..."))
    concentration = forms.CharField(label=_("concentration"), max_length=30, required=False,
                                    help_text=_("500 mg/L"))
    operator = forms.CharField(label=_("operator"), max_length=40)
    photo = forms.FileField(label=_("photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))

    def __init__(self, *args: Any, places: list[Place] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", "-"), *[  # type: ignore[attr-defined]
            (p.pk, f"{p.compound.name} · {p.name}") for p in places or []]]
        self.fields["photo"].help_text = _("JPEG, PNG or WebP, at most %(max)s MB.") % {
            "max": f"{settings.SHEQU_PHOTO_MAX_BYTES / 1_000_000:g}"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("place") and not data.get("final"):
            self.add_error("place", _("Choose the place disinfected."))
        return data
