"""Forms of the containment pages: a period (start, end) plus what is set for it; permits."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.containment.models import Level, RestrictionKind
from shequ.core.forms import ISO_MINUTE, DateTimeInput, OnceForm
from shequ.core.phone import PhoneError, normalize_phone
from shequ.registry.models import Unit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _moment(label: StrOrPromise, help_text: StrOrPromise) -> forms.DateTimeField:
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
        super().clean()
        data = self.cleaned_data
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


class PermitForm(PeriodForm):
    """A permit: where it holds (around the holder's home, or the visitor's host), why, and until when.

    ``home`` is the room the permit is about (the person's, or the visitor's host's); ``scope``
    chooses that room, its unit, its building or its compound."""

    SCOPES = [("room", _("this room only")), ("unit", _("its unit")), ("building", _("its building")),
              ("compound", _("the whole compound"))]

    scope = forms.ChoiceField(label=_("where"), choices=SCOPES, initial="room")
    reason = forms.CharField(label=_("reason"), max_length=200,
                             help_text=_("For example: heating repair in 502; to hospital for dialysis"),
                             error_messages={"max_length": _("The reason can be at most %(limit_value)d "
                                                             "characters (it has %(show_value)d).")})

    field_order = ["scope", "starts_at", "ends_at", "reason"]

    def __init__(self, *args: Any, home: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.home = home
        self.fields["ends_at"].required = True
        self.fields["ends_at"].help_text = _("A permit always ends; at most 31 days after its start.")
        self.fields["ends_at"].error_messages["required"] = _("A permit needs an end.")
        if not self.is_bound:
            self.initial.setdefault("ends_at", timezone.localtime(self.now + dt.timedelta(hours=4))
                                    .replace(second=0, microsecond=0))
        if home is not None:
            building, unit = home.unit.building, home.unit
            cast(forms.ChoiceField, self.fields["scope"]).choices = [
                ("room", _("this room only (%(address)s)") % {"address": home.address}),
                ("unit", _("its unit (%(building)s %(unit)s)") % {"building": building, "unit": unit}),
                ("building", _("its building (%(building)s)") % {"building": building}),
                ("compound", _("the whole compound (%(compound)s)") % {"compound": building.compound.name}),
            ]

    def place(self, home: Any) -> Any:
        """The room, unit, building or compound chosen, around ``home``."""
        scope = self.cleaned_data["scope"]
        return {"room": home, "unit": home.unit, "building": home.unit.building,
                "compound": home.unit.building.compound}[scope]


class VisitorPermitForm(PermitForm):
    """A permit for a visitor (a doctor, a heating engineer...): who, their phone (the gate matches
    them by it), and the household they come to, typed as 9-2-502."""

    visitor_name = forms.CharField(label=_("visitor's name"), max_length=60,
                                   error_messages={"max_length": _("The name can be at most %(limit_value)d "
                                                                   "characters (it has %(show_value)d).")})
    visitor_phone = forms.CharField(label=_("visitor's phone"), max_length=20,
                                    help_text=_("The gate recognises the visitor by this number."),
                                    widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    host = forms.CharField(label=_("visiting (room, e.g. 9-2-502)"), max_length=60,
                           help_text=_("With the compound in front when the community has several: 富通小区9-2-502"))

    field_order = ["visitor_name", "visitor_phone", "host", "scope", "starts_at", "ends_at", "reason"]

    def __init__(self, *args: Any, scope: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_scope = scope
        self.host_room: Any = None

    def clean_visitor_phone(self) -> str:
        value = self.cleaned_data["visitor_phone"]
        try:
            return normalize_phone(value)
        except PhoneError as e:
            raise forms.ValidationError(str(e)) from None

    def clean_host(self) -> str:
        from shequ.registry import selectors as registry

        text = self.cleaned_data["host"]
        found = registry.search(self.user_scope, text, limit=20)
        rooms = {h.room_id: h.room for h in found.households if h.status == h.Status.ACTIVE} \
            if found.kind == "address" else {}
        if not rooms:
            raise forms.ValidationError(_("No household lives at “%(address)s”. Type the room as 9-2-502."),
                                        params={"address": text})
        if len(rooms) > 1:
            compounds = sorted({r.unit.building.compound.name for r in rooms.values()})
            raise forms.ValidationError(
                _("“%(address)s” is in several compounds (%(compounds)s): put the compound's name in front."),
                params={"address": text, "compounds": "、".join(compounds)})
        self.host_room = next(iter(rooms.values()))
        return text


class PermitRequestForm(OnceForm):
    """A guard's request from the gate: why, and for how long from now (the office may change the end)."""

    HOURS = [(1, _("1 hour")), (2, _("2 hours")), (4, _("4 hours")), (8, _("8 hours")), (24, _("24 hours"))]

    reason = forms.CharField(label=_("reason"), max_length=200,
                             help_text=_("What the office needs to decide: who called them, where to, why now"),
                             widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200}),
                             error_messages={"max_length": _("The reason can be at most %(limit_value)d "
                                                             "characters (it has %(show_value)d).")})
    hours = forms.TypedChoiceField(label=_("for"), choices=HOURS, coerce=int, initial=2)


class PermitApproveForm(OnceForm):
    ends_at = _moment(_("until"), _("Approve as asked, or change the end."))

    def __init__(self, *args: Any, permit: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if permit is not None and not self.is_bound:
            self.initial["ends_at"] = timezone.localtime(permit.ends_at).replace(second=0, microsecond=0)


class PermitRefuseForm(OnceForm):
    note = forms.CharField(label=_("why not (the guard reads it)"), max_length=200, required=False,
                           widget=forms.TextInput())


class PermitRevokeForm(OnceForm):
    """Ending a permit now: no fields besides the once-only key."""
