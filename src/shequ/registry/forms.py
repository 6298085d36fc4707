from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from shequ.core.forms import DateInput, EditForm, OnceForm, add_service_errors
from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry.models import Community, Compound, Grid, Household, Person, PersonTag, Room
from shequ.registry.services import PersonData, clean_person_fields, households_in_room, members_named

MASKED_HELP = _("Shown masked. To change it, type the whole new number; to remove it, empty the field.")


class PersonForm(EditForm, OnceForm):
    """Adding a person (no ``person``) or editing one (``person``: its stored values are the form's
    initial values, guarded by EditForm)."""

    name = forms.CharField(label=_("name"), max_length=60)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False,
                                help_text=_("Leave empty for children, foreigners or people without one."))
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    sex = forms.ChoiceField(label=_("sex"), choices=Person.Sex.choices, initial=Person.Sex.UNKNOWN,
                            help_text=_("Taken from the ID number when there is one."))
    birth_date = forms.DateField(label=_("birth date"), required=False,
                                 widget=DateInput())
    residency = forms.ChoiceField(label=_("residency"), choices=Person.Residency.choices)
    relation = forms.ChoiceField(label=_("relation to head"), choices=Person.Relation.choices)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, person: Person | None = None, household: Household | None = None,
                 **kwargs: Any) -> None:
        """``household``: where a new person is added (same-name members are asked about)."""
        if person is not None:
            kwargs["initial"] = self.initial_for(person)
        super().__init__(*args, **kwargs)
        self.person = person
        self.household = household
        self.same_name: list[Person] = []
        self.same_name_confirmed: list[int] = []
        if person is not None:
            self.fields["id_number"].help_text = MASKED_HELP
            self.fields["phone"].help_text = MASKED_HELP
        for value, label in PersonTag.Tag.choices:
            self.fields[f"tag_{value}"] = forms.BooleanField(label=label, required=False)
            # Labelled with its tag: eight fields called "details" would not say which is which.
            self.fields[f"tag_{value}_note"] = forms.CharField(
                label=format_lazy(_("{tag}: details"), tag=label), required=False, max_length=200
            )
        self.cleaned_person: PersonData | None = None

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        """The stored values as the form shows them: numbers masked, as everywhere (no edit page
        carries a full number; the user types a new one, or reveals through the audited reveal)."""
        initial: dict[str, Any] = {
            "name": person.name,
            "id_number": mask_id_number(person.id_number),
            "phone": mask_phone(person.phone),
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

    def _number(self, name: str, stored: str | None, masked: str) -> str | None:
        """What the user typed in a number field: the stored number while it still shows masked."""
        value = (self.cleaned_data.get(name) or "").strip()
        if self.person is None or not masked:
            return value
        if value == masked:
            return stored
        if "*" in value:
            self.add_error(name, _("Type the whole number: the stored one is shown masked."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        id_number = self._number("id_number", self.person.id_number if self.person else None, self.initial.get("id_number", ""))
        phone = self._number("phone", self.person.phone if self.person else None, self.initial.get("phone", ""))
        if self.errors:
            return data
        try:
            self.cleaned_person = clean_person_fields(
                name=data.get("name"),
                id_number=id_number,
                phone=phone,
                sex=data.get("sex"),
                birth_date=data.get("birth_date"),
                residency=data.get("residency"),
                relation=data.get("relation"),
                notes=data.get("notes"),
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return data
        if self.household is not None and self.person is None:
            self._ask_about_same_name(self.household, self.cleaned_person.name)
        return data

    def _ask_about_same_name(self, household: Household, name: str) -> None:
        """Adding a person whose name a member of the household already has: a form resubmitted
        after "back" (whatever its key), or a real namesake. The user confirms exactly the members
        listed; one added since is asked about again."""
        members = members_named(household, name)
        if not members:
            return
        if self.data.get(CONFIRM_SAME_NAME) == _signature(members):
            self.same_name_confirmed = [p.pk for p in members]
            return
        self.same_name = members
        who = pgettext("list separator", ", ").join(
            f"{p.get_sex_display()}, {p.birth_date.isoformat() if p.birth_date else '—'}, {p.get_relation_display()}"
            for p in members)
        self.add_error(None, ValidationError(
            _("%(name)s already lives in this household (%(who)s). If this is another person with the same "
              "name, tick “Yes, another person” and save; otherwise nothing needs to be added."),
            code="same_name", params={"name": name, "who": who}))

    @property
    def same_name_signature(self) -> str:
        return _signature(self.same_name)


CONFIRM_SAME_NAME = "confirm_same_name"
CONFIRM_ROOM = "confirm_room"


def _signature(objects: list[Any]) -> str:
    return " ".join(str(o.pk) for o in objects)


class HouseholdForm(EditForm, OnceForm):
    """Adding a household to ``room`` (no initial values) or editing one's note (initial: the
    stored note). Adding one to a room that has households asks first, as adding a namesake does."""

    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, room: Room | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.room = room
        self.others: list[Household] = []
        self.others_confirmed: list[int] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.room is None or self.errors:
            return data
        others = households_in_room(self.room)
        if not others:
            return data
        if self.data.get(CONFIRM_ROOM) == _signature(others):
            self.others_confirmed = [h.pk for h in others]
            return data
        self.others = others
        raise ValidationError(
            ngettext("This room already has a household. If another household lives here too, tick “Yes, "
                     "another household” and add it; otherwise nothing needs to be added.",
                     "This room already has %(n)d households. If another household lives here too, tick “Yes, "
                     "another household” and add it; otherwise nothing needs to be added.", len(others))
            % {"n": len(others)}, code="room_occupied")

    @property
    def others_signature(self) -> str:
        return _signature(self.others)


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
    detail = forms.CharField(label=_("tag details"), required=False, max_length=100,
                             widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. insulin")}))
    grid = forms.TypedChoiceField(label=_("grid"), required=False, coerce=int, empty_value=None)
    compound = forms.TypedChoiceField(label=_("compound"), required=False, coerce=int, empty_value=None)
    residency = forms.ChoiceField(label=_("residency"), required=False)

    def __init__(self, *args: Any, grids: list[Grid], compounds: list[Compound], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        cast(forms.ChoiceField, self.fields["tag"]).choices = every + list(PersonTag.Tag.choices)
        cast(forms.ChoiceField, self.fields["grid"]).choices = every + [(g.pk, g.name) for g in grids]
        cast(forms.ChoiceField, self.fields["compound"]).choices = every + [(c.pk, c.name) for c in compounds]
        cast(forms.ChoiceField, self.fields["residency"]).choices = every + list(Person.Residency.choices)


class ImportForm(OnceForm):
    file = forms.FileField(label=_("roster file (.xlsx or .csv)"))
    dry_run = forms.BooleanField(label=_("check only, import nothing"), required=False)
    community: forms.ModelChoiceField[Community] = forms.ModelChoiceField(
        queryset=None, label=_("import into community"), empty_label=None, required=False)

    def __init__(self, *args: Any, communities: list[Community], **kwargs: Any) -> None:
        """``communities``: those the user may import into; a choice appears only when there are several."""
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Community]", self.fields["community"])
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


class PropertyCompanyForm(OnceForm):
    """A property company: its name, phone, and the compounds it manages (ticked)."""

    name = forms.CharField(label=pgettext_lazy("place", "name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    compounds = forms.MultipleChoiceField(label=_("compounds it manages"), required=False,
                                          widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, compounds: list[Compound], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["compounds"])
        field.choices = [(str(c.pk), c.name + (f" ({c.property_company.name})" if c.property_company else ""))
                         for c in compounds]


class GridForm(OnceForm):
    """A new grid: its number, and a name (第N网格 when empty)."""

    number = forms.IntegerField(label=_("number"), min_value=1, max_value=999)
    # A place's name (名称), not a person's (姓名, the plain msgid's translation).
    name = forms.CharField(label=pgettext_lazy("place", "name"), max_length=100, required=False,
                           help_text=_("Leave empty for “Grid N”"))
