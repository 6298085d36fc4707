"""Forms of the health pages: a health status entry, the confirmation of a positive re-test, an order
(for the person or the whole household), its changes, a household's follow-up visit, the
resident's self-report."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import ISO_DATE, ISO_MINUTE, DateInput, DateTimeInput, OnceForm
from shequ.core.temperature import TemperatureField
from shequ.health.models import FollowUp, Outcome, Source, Status


def _date(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, widget=DateInput(),
                           input_formats=[ISO_DATE, "%Y/%m/%d"],
                           error_messages={"invalid": _("Enter a date such as 2022-04-01.")})


class EntryForm(OnceForm):
    status = forms.ChoiceField(label=_("health status"), choices=Status.choices)
    source = forms.ChoiceField(label=_("source"), choices=Source.choices, initial=Source.STAFF)
    last_exposure_on = _date(_("last exposure"))
    onset_on = _date(_("onset"), help_text=_("When the symptoms began, if any."))
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class ConfirmForm(OnceForm):
    retest = forms.IntegerField(widget=forms.HiddenInput)


class OrderForm(OnceForm):
    policy = forms.ChoiceField(label=_("policy"))
    last_exposure_on = _date(_("last exposure"), required=True,
                             help_text=_("The period is counted from this day."))
    reason = forms.CharField(label=_("reason"), max_length=200, required=False,
                             help_text=_("For example: close contact of a confirmed case"))
    household = forms.BooleanField(label=_("the whole household"), required=False,
                                   help_text=_("The same order for every member living here."))

    def __init__(self, *args: Any, policies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["policy"]).choices = policies
        if not self.is_bound:
            self.initial.setdefault("last_exposure_on", timezone.localdate())


class RestartForm(OnceForm):
    last_exposure_on = _date(_("new last exposure"), required=True)
    reason = forms.CharField(label=_("reason"), max_length=200,
                             help_text=_("For example: a household member turned positive"))


class SetEndForm(OnceForm):
    ends_at = forms.DateTimeField(label=_("new end"), widget=DateTimeInput(),
                                  input_formats=[ISO_MINUTE, "%Y-%m-%d %H:%M"],
                                  error_messages={"invalid": _("Enter a date and time such as 2022-04-01 08:00.")})
    reason = forms.CharField(label=_("reason"), max_length=200)


class EndForm(OnceForm):
    reason = forms.CharField(label=_("reason"), max_length=200,
                             help_text=_("For example: period over with negative tests"))


class VisitForm(OnceForm):
    """One visit: for each member's slot, the outcome, the temperature and symptoms."""

    def __init__(self, *args: Any, slots: list[FollowUp], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slots = slots
        for f in slots:
            self.fields[f"outcome_{f.pk}"] = forms.ChoiceField(
                label=_("%(name)s: outcome") % {"name": f.person.name}, choices=Outcome.choices,
                initial=Outcome.SEEN, widget=forms.RadioSelect)
            self.fields[f"temperature_{f.pk}"] = TemperatureField(
                label=_("%(name)s: temperature") % {"name": f.person.name}, required=False)
            self.fields[f"symptoms_{f.pk}"] = forms.CharField(
                label=_("%(name)s: symptoms") % {"name": f.person.name}, max_length=200, required=False,
                help_text=_("Cough, sore throat, loss of smell... Leave empty if none."))
            self.fields[f"client_id_{f.pk}"] = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def members(self) -> list[dict[str, Any]]:
        return [{"slot": f, "outcome": self[f"outcome_{f.pk}"], "temperature": self[f"temperature_{f.pk}"],
                 "symptoms": self[f"symptoms_{f.pk}"], "client_id": self[f"client_id_{f.pk}"]} for f in self.slots]


class SelfReportForm(OnceForm):
    """The resident's two fields."""

    temperature = TemperatureField(label=_("temperature"), required=True)
    symptoms = forms.CharField(label=_("symptoms"), max_length=200, required=False,
                               help_text=_("Leave empty if you feel well."))



class TransferRequestForm(OnceForm):
    destination = forms.ChoiceField(label=_("destination"), choices=[
        ("central_quarantine", _("central quarantine")), ("hospital", _("hospital"))])
    reason = forms.CharField(label=_("reason"), max_length=200)
    together = forms.MultipleChoiceField(label=_("members going too"), required=False,
                                         widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, others: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["together"]).choices = [(str(p.pk), p.name) for p in others]


class TransferStepForm(OnceForm):
    """The next step of a transfer; the fields its step needs (the view says which step)."""

    to = forms.CharField(widget=forms.HiddenInput)
    vehicle = forms.CharField(label=_("vehicle"), max_length=40, required=False)
    driver = forms.CharField(label=_("driver"), max_length=40, required=False)
    driver_phone = forms.CharField(label=_("driver's phone"), max_length=20, required=False)
    facility = forms.ChoiceField(label=_("facility"), required=False)
    room = forms.CharField(label=_("room"), max_length=20, required=False)
    then_monitoring = forms.BooleanField(label=_("then home health monitoring (7 days)"), required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    STEP_FIELDS = {"vehicle_arranged": ("vehicle", "driver", "driver_phone"), "arrived": ("facility", "room"),
                   "returned_home": ("then_monitoring",)}

    def __init__(self, *args: Any, step: str, facilities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["facility"]).choices = [("", "-"), *facilities]
        self.initial["to"] = step
        for name in ("vehicle", "driver", "driver_phone", "facility", "room", "then_monitoring"):
            if name not in self.STEP_FIELDS.get(step, ()):
                del self.fields[name]


class ChecklistForm(OnceForm):
    left = forms.MultipleChoiceField(label=_("members staying at home"), required=False,
                                     widget=forms.CheckboxSelectMultiple)
    care = forms.CharField(label=_("care they need"), max_length=200, required=False,
                           help_text=_("For example: elderly, lives alone, needs meals and medicine"))
    pets = forms.CharField(label=_("pets"), max_length=200, required=False,
                           help_text=_("Leave empty if there are none."))
    keys = forms.CharField(label=_("keys"), max_length=200, help_text=_("Who holds the keys of the home."))
    disinfected = forms.BooleanField(label=_("final disinfection of the home done"), required=False)

    def __init__(self, *args: Any, staying: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["left"]).choices = [(str(p.pk), p.name) for p in staying]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("left") and not (data.get("care") or "").strip():
            self.add_error("care", _("Say what care they need."))
        return data


class FacilityForm(OnceForm):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=[("hotel", _("quarantine hotel")),
                                                       ("observation", _("central observation point")),
                                                       ("hospital", _("hospital"))])
    capacity = forms.IntegerField(label=_("capacity"), min_value=0, max_value=100000)
    address = forms.CharField(label=_("address"), max_length=200, required=False)


class HealthListForm(OnceForm):
    """The street's or the CDC's list (issue 12.2), checked first by default."""

    file = forms.FileField(label=_("list file (.xlsx or .csv)"))
    kind = forms.ChoiceField(label=_("the list is of"), choices=[
        ("close_contact", Status.CLOSE_CONTACT.label), ("secondary_contact", Status.SECONDARY_CONTACT.label),
        ("risk_arrival", Status.RISK_ARRIVAL.label)])
    dry_run = forms.BooleanField(label=_("check only, record nothing"), required=False, initial=True)
    community = forms.ChoiceField(label=_("community"))

    def __init__(self, *args: Any, communities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["community"])
        field.choices = [(str(c.pk), c.name) for c in communities]
        field.initial = str(communities[0].pk)
        if len(communities) == 1:
            field.widget = forms.HiddenInput()


class HealthListConfirmForm(OnceForm):
    """Record the list just checked (kept in the session by its token)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class SealForm(OnceForm):
    """Seal the case's unit, building or compound (a containment area) from the health card."""

    place = forms.ChoiceField(label=_("seal"), widget=forms.RadioSelect, initial="unit", choices=[
        ("unit", _("the unit")), ("building", _("the building")), ("compound", _("the compound"))])
    reason = forms.CharField(label=_("reason"), max_length=200, required=False,
                             help_text=_("Shown with the area; do not name the health status."))


class PolicyForm(OnceForm):
    """A community's named quarantine policy, new or changed (health.services.policy_set)."""

    name = forms.CharField(label=_("name"), max_length=40, help_text=_("For example 7+7 or 14"))
    quarantine_days = forms.IntegerField(label=_("home quarantine days"), min_value=0, max_value=60)
    monitoring_days = forms.IntegerField(label=_("home health monitoring days"), min_value=0, max_value=60,
                                         initial=0)
    test_days = forms.CharField(label=_("test days"), max_length=60, required=False,
                                help_text=_("Days counted from the last exposure, for example 1,4,7"))
    slots_per_day = forms.TypedChoiceField(label=_("follow-ups per day"), coerce=int, initial=2,
                                           choices=[(1, "1"), (2, "2"), (3, "3")])
    is_default = forms.BooleanField(label=_("the default policy"), required=False)

    def clean_test_days(self) -> str:
        text = self.cleaned_data["test_days"].replace("，", ",")
        bad = [d.strip() for d in text.split(",") if d.strip() and not d.strip().isdigit()]
        if bad:
            raise forms.ValidationError(_("Write the days as numbers separated by commas, such as 1,4,7."))
        return text


class RuleForm(OnceForm):
    """The community's epidemic-free rule (health.services.epidemic_free_rule_set)."""

    days = forms.IntegerField(label=_("days without a case"), min_value=1, max_value=60, initial=14)
    checklist_required = forms.BooleanField(label=_("the control checklist is required"), required=False)


class ControlChecklistForm(OnceForm):
    """A compound's six control items (防控全到位)."""

    compound = forms.IntegerField(widget=forms.HiddenInput)
    publicity = forms.BooleanField(label=_("publicity"), required=False)
    closed_management = forms.BooleanField(label=_("closed management"), required=False)
    door_to_door = forms.BooleanField(label=_("door-to-door registration"), required=False)
    disinfection = forms.BooleanField(label=_("disinfection"), required=False)
    supply = forms.BooleanField(label=_("supply guarantee"), required=False)
    organisation = forms.BooleanField(label=_("organisation"), required=False)
