from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from shequ.core.submission import FIELD, new_key
from shequ.registry.models import Compound, Grid, Person, PersonTag
from shequ.registry.services import PersonData, clean_person_fields


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError (keyed by model field) on the form: on the field it names when
    the form shows that field, else at the top of the form."""
    for field, messages in exc.message_dict.items():
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if shown else None, messages)


class OnceForm(forms.Form):
    """A form that carries a one-time submission key (see core.submission)."""

    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial[FIELD] = new_key()


class PersonForm(OnceForm):
    name = forms.CharField(label=_("name"), max_length=60)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False,
                                help_text=_("Leave empty for children, foreigners or people without one."))
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    sex = forms.ChoiceField(label=_("sex"), choices=Person.Sex.choices, initial=Person.Sex.UNKNOWN,
                            help_text=_("Taken from the ID number when there is one."))
    birth_date = forms.DateField(label=_("birth date"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    residency = forms.ChoiceField(label=_("residency"), choices=Person.Residency.choices)
    relation = forms.ChoiceField(label=_("relation to head"), choices=Person.Relation.choices)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in PersonTag.Tag.choices:
            self.fields[f"tag_{value}"] = forms.BooleanField(label=label, required=False)
            # Labelled with its tag: eight fields called "details" would not say which is which.
            self.fields[f"tag_{value}_note"] = forms.CharField(
                label=format_lazy(_("{tag}: details"), tag=label), required=False, max_length=200
            )
        self.cleaned_person: PersonData | None = None

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": person.name,
            "id_number": person.id_number or "",
            "phone": person.phone,
            "sex": person.sex,
            "birth_date": person.birth_date,
            "residency": person.residency,
            "relation": person.relation,
            "notes": person.notes,
        }
        for t in person.tags.all():
            initial[f"tag_{t.tag}"] = True
            initial[f"tag_{t.tag}_note"] = t.note
        return initial

    def tag_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"tag_{v}"], self[f"tag_{v}_note"]) for v in PersonTag.Tag.values]

    def tags(self) -> list[tuple[str, str]]:
        return [
            (v, self.cleaned_data.get(f"tag_{v}_note", "") or "")
            for v in PersonTag.Tag.values
            if self.cleaned_data.get(f"tag_{v}")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.cleaned_person = clean_person_fields(
                name=data.get("name"),
                id_number=data.get("id_number"),
                phone=data.get("phone"),
                sex=data.get("sex"),
                birth_date=data.get("birth_date"),
                residency=data.get("residency"),
                relation=data.get("relation"),
                notes=data.get("notes"),
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data


class HouseholdForm(OnceForm):
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MoveForm(OnceForm):
    address = forms.CharField(
        label=_("new address"), max_length=100, help_text=_("For example 9-2-502 or 富通小区9号楼2单元502室")
    )
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)


class MoveOutForm(OnceForm):
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)
    deceased = forms.BooleanField(label=_("deceased"), required=False)


class PersonFilterForm(forms.Form):
    tag = forms.ChoiceField(label=_("tag"), required=False)
    grid = forms.TypedChoiceField(label=_("grid"), required=False, coerce=int, empty_value=None)
    compound = forms.TypedChoiceField(label=_("compound"), required=False, coerce=int, empty_value=None)
    residency = forms.ChoiceField(label=_("residency"), required=False)

    def __init__(self, *args: Any, grids: list[Grid], compounds: list[Compound], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        self.fields["tag"].choices = every + list(PersonTag.Tag.choices)
        self.fields["grid"].choices = every + [(g.pk, g.name) for g in grids]
        self.fields["compound"].choices = every + [(c.pk, c.name) for c in compounds]
        self.fields["residency"].choices = every + list(Person.Residency.choices)


class ImportForm(OnceForm):
    file = forms.FileField(label=_("roster file (.xlsx or .csv)"))
    dry_run = forms.BooleanField(label=_("check only, import nothing"), required=False)
    community = forms.ModelChoiceField(queryset=None, label=_("import into community"), empty_label=None,
                                       required=False)

    def __init__(self, *args: Any, communities: list[Any], **kwargs: Any) -> None:
        """``communities``: those the user may import into; a choice appears only when there are several."""
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        field.queryset = type(communities[0]).objects.filter(pk__in=[c.pk for c in communities]).order_by("code")
        field.initial = communities[0].pk
        if len(communities) == 1:
            field.widget = forms.HiddenInput()

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        name = (f.name or "").lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise ValidationError(_("Upload a .xlsx or .csv file."))
        if f.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than %(mb)d MB; split it into several files.")
                                  % {"mb": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)})
        return f
