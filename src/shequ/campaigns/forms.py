from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.campaigns.models import POOLINGS, ExemptReason, Kind, Result, VisitOutcome
from shequ.core.forms import DateInput, DateTimeInput, OnceForm
from shequ.core.temperature import TemperatureField
from shequ.registry.models import Building, Compound, Grid, Person


class CampaignForm(OnceForm):
    name = forms.CharField(label=pgettext_lazy("thing", "name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices)
    starts_on = forms.DateField(label=_("starts"), widget=DateInput())
    ends_on = forms.DateField(label=_("ends"), required=False, widget=DateInput())
    grid = forms.ModelChoiceField(label=_("grid"), queryset=Grid.objects.none(), required=False,
                                  empty_label=_("no grid"),
                                  help_text=_("Either a grid, or places below; neither: the whole community."))
    compounds = forms.ModelMultipleChoiceField(label=_("compounds"), queryset=Compound.objects.none(), required=False)
    buildings = forms.CharField(label=_("buildings"), required=False,
                                help_text=_("Building numbers of one compound chosen above, e.g. 1,2,9 (leave the "
                                            "compound's other buildings out)."))

    def __init__(self, *args: Any, community: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        # "starts" alone reads as the action of starting a round (开始): these are dates.
        self.fields["starts_on"].label = _("start date")
        self.fields["ends_on"].label = _("end date")
        cast("forms.ModelChoiceField[Any]", self.fields["grid"]).queryset = Grid.objects.filter(community=community).order_by("number")
        cast("forms.ModelChoiceField[Any]", self.fields["compounds"]).queryset = Compound.objects.filter(community=community).order_by("name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        numbers = [n.strip() for n in (data.get("buildings") or "").replace("，", ",").split(",") if n.strip()]
        data["building_list"] = []
        if numbers:
            compounds = list(data.get("compounds") or [])
            if len(compounds) != 1:
                self.add_error("buildings", _("Choose exactly one compound for these buildings."))
                return data
            found = list(Building.objects.filter(compound=compounds[0], number__in=numbers))
            unknown = sorted(set(numbers) - {b.number for b in found})
            if unknown:
                self.add_error("buildings", _("No building %(numbers)s in %(compound)s.") % {
                    "numbers": ", ".join(unknown), "compound": compounds[0].name})
            data["building_list"] = found
            data["compounds"] = []
        return data


class VisitForm(OnceForm):
    outcome = forms.ChoiceField(label=_("visit outcome"), choices=VisitOutcome.choices, widget=forms.RadioSelect,
                                initial=VisitOutcome.VISITED)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    PERSON_STATES = (
        ("present", _("present")),
        ("absent", _("not at home")),
        ("moved_out", _("moved out")),
        ("deceased", _("deceased")),
    )

    def __init__(self, *args: Any, persons: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.persons = persons
        for p in persons:
            self.fields[f"state_{p.pk}"] = forms.ChoiceField(label=p.name, choices=self.PERSON_STATES,
                                                             initial="present", required=False)
            self.fields[f"state_{p.pk}"].widget.attrs["aria-label"] = _("%(name)s: at home?") % {"name": p.name}
            self.fields[f"temp_{p.pk}"] = TemperatureField(
                label=_("temperature"),
                # empty means not taken; a number here would look entered
                widget=forms.NumberInput(attrs={"placeholder": _("not taken")}))

            self.fields[f"temp_{p.pk}"].widget.attrs["aria-label"] = _("%(name)s: temperature (°C)") % {
                "name": p.name}

    def person_rows(self) -> list[tuple[Person, Any, Any]]:
        return [(p, self[f"state_{p.pk}"], self[f"temp_{p.pk}"]) for p in self.persons]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        present: dict[int, Any] = {}
        moved_out: list[int] = []
        deceased: list[int] = []
        for p in self.persons:
            state = data.get(f"state_{p.pk}")
            if state == "present":
                present[p.pk] = data.get(f"temp_{p.pk}")
            elif state == "moved_out":
                moved_out.append(p.pk)
            elif state == "deceased":
                deceased.append(p.pk)
        if data.get("outcome") != VisitOutcome.VISITED:
            present = {}
        data["present"], data["moved_out"], data["deceased"] = present, moved_out, deceased
        return data


class FoundPersonForm(OnceForm):
    """Someone found at the door who is not in the registry."""

    name = forms.CharField(label=_("name"), max_length=60)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    residency = forms.ChoiceField(label=_("residency"), choices=Person.Residency.choices,
                                  initial=Person.Residency.MIGRANT)
    relation = forms.ChoiceField(label=_("relation to head"), choices=Person.Relation.choices,
                                 initial=Person.Relation.OTHER)


class ExemptForm(OnceForm):
    reason = forms.ChoiceField(label=_("reason"), choices=[("", _("not exempt")), *ExemptReason.choices],
                               required=False)
    note = forms.CharField(label=_("proof or note"), max_length=200, required=False)


def pooling_choices() -> list[tuple[int, str]]:
    """Read when a form is made, in the language of its request."""
    return [(n, str(_("single (1 person)")) if n == 1 else str(_("%(n)s-in-1")) % {"n": n}) for n in POOLINGS]


class SampleForm(forms.Form):
    """One person into a tube: a scanned pass / ID / phone, or a person chosen from the lookup.

    No ``required`` attributes: the look-up's search button submits this form too (the tube may
    still be empty then), and the page's script checks the fields itself."""

    use_required_attribute = False

    tube = forms.CharField(label=_("tube code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))
    pooling = forms.TypedChoiceField(label=_("pooling"), coerce=int, choices=pooling_choices, initial=10)
    point = forms.IntegerField(required=False, widget=forms.HiddenInput)
    credential = forms.CharField(label=_("scan a pass, or type an ID or phone number"), max_length=300,
                                 required=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    close = forms.BooleanField(required=False)

    @staticmethod
    def new_client_id() -> uuid.UUID:
        return uuid.uuid4()


class ResultsUploadForm(forms.Form):
    file = forms.FileField(label=_("results file (.csv or .xlsx)"))


class ResultEntryForm(forms.Form):
    code = forms.CharField(label=_("tube code"), max_length=40)
    result = forms.ChoiceField(label=_("result"), choices=Result.choices)
    at = forms.DateTimeField(label=_("time"), required=False,
                             widget=DateTimeInput(),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])


class _BuildingsField(forms.ModelMultipleChoiceField):
    """Buildings named with their compound (the queryset selects it)."""

    def label_from_instance(self, obj: Building) -> str:
        return f"{obj.compound.name} {obj}"


class PointForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "name"), max_length=100,
                           help_text=_("e.g. 第1组 or 东门广场"))
    location = forms.CharField(label=_("location"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("starts"), widget=DateTimeInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label=_("ends"), widget=DateTimeInput(),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    buildings = _BuildingsField(label=_("buildings called down"), queryset=Building.objects.none(), required=False)

    def __init__(self, *args: Any, community: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].label = _("start time")
        self.fields["ends_at"].label = _("end time")
        cast("forms.ModelChoiceField[Any]", self.fields["buildings"]).queryset = Building.objects.filter(
            community=community).select_related("compound").order_by("compound__name", "sort_key")


class MissingFilterForm(forms.Form):
    compound = forms.IntegerField(required=False, widget=forms.HiddenInput)
    building = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    grid = forms.IntegerField(required=False, widget=forms.HiddenInput)



class QuarantineForm(OnceForm):
    """Home quarantine for the persons of a positive tube (one form per tube on the re-test list)."""

    days = forms.IntegerField(label=_("days"), min_value=1, max_value=28, initial=7,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
