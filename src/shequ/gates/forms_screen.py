"""Forms of the gate screen: one passage (a resident) and a visitor's registration.

Both validate the checks with ``services.parse_checks`` (the same messages as the device API) and
keep what the guard typed when something is wrong. The templates draw the fields themselves (big
buttons for a phone); these classes hold validation and initial values.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import replace_submitted
from shequ.core.idnumber import IDNumberError, parse_id_number
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.temperature import temperature_text
from shequ.core.text import normalize
from shequ.gates import selectors, services
from shequ.gates.models import Decision, Direction, Gate, HealthCode
from shequ.gates.rules import Checks, suggest_temperature
from shequ.passes import tokens as pass_tokens
from shequ.registry.models import Household, Person

YES_NO = [("yes", _("yes")), ("no", _("no"))]
# Django's own wording ("Ensure this value has at most ...") reads like a program's message.
TOO_LONG = {"max_length": _("At most %(limit_value)d characters (you typed %(show_value)d).")}


class ChecksMixin(forms.Form):
    """Temperature, health code and mask; a subclass adds the direction or fixes it."""

    temperature = forms.CharField(label=_("Temperature"), required=False, max_length=300)
    # The one-tap suggestion ("did you mean 36.5?") submits its value here.
    use_temperature = forms.CharField(required=False, max_length=10)
    health_code = forms.ChoiceField(label=_("Health code"), choices=HealthCode.choices, initial=HealthCode.GREEN)
    mask = forms.TypedChoiceField(label=_("Mask"), choices=YES_NO, coerce=lambda v: v == "yes", initial="yes")
    client_id = forms.UUIDField(widget=forms.HiddenInput)

    suggestion: str = ""

    def direction_value(self) -> str:
        return Direction.IN

    def clean_checks(self, cleaned: dict[str, Any]) -> Checks | None:
        raw = temperature_text(cleaned.get("use_temperature") or cleaned.get("temperature") or "")
        if cleaned.get("use_temperature"):
            # The guard accepted the suggestion: show it in the field too if the form comes back.
            replace_submitted(self, temperature=raw)
        if "health_code" not in cleaned or "mask" not in cleaned:
            return None  # the field errors are already there
        try:
            return services.parse_checks(direction=self.direction_value(), temperature=raw or None,
                                         health_code=cleaned["health_code"], mask=cleaned["mask"])
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            if "temperature" in e.message_dict:
                suggestion = suggest_temperature(raw)
                self.suggestion = str(suggestion) if suggestion is not None else ""
            return None


class PassageForm(ChecksMixin):
    """A passage of someone who lives behind the gate: a credential (pass token from the scanner, an
    ID or phone number typed) or a person picked from the lookup."""

    credential = forms.CharField(label=_("Pass, ID or phone number"), required=False, max_length=300)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.IN)
    # Set by the screen's script for a passage it queued while offline.
    recorded_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    offline_decision = forms.ChoiceField(choices=[("", "-"), *Decision.choices], required=False,
                                         widget=forms.HiddenInput)

    def __init__(self, *args: Any, gate: Gate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.person_obj: Person | None = None
        self.checks: Checks | None = None

    def direction_value(self) -> str:
        return self.cleaned_data.get("direction") or ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        credential = normalize(cleaned.get("credential") or "")
        temperature = normalize(cleaned.get("temperature") or "")
        if not credential and pass_tokens.looks_like_token(temperature):
            # A hardware scanner typed into the temperature field, maybe after the temperature: the
            # token is the credential, what was typed before it stays the temperature (and is an
            # error on that field if it is not one, so nothing is recorded).
            split = pass_tokens.split_scan(temperature)
            credential, temperature = (split[1], split[0]) if split else (temperature, "")
            cleaned["temperature"] = temperature
            replace_submitted(self, credential=credential, temperature=temperature)
        cleaned["credential"] = credential
        if cleaned.get("person"):
            self.person_obj = (selectors.compound_persons(self.gate)
                               .filter(pk=cleaned["person"], status=Person.Status.ACTIVE).first())
            if self.person_obj is None:
                self.add_error("credential", _("This person does not live behind this gate."))
        elif not credential:
            self.add_error("credential", _("Scan the pass, type an ID or phone number, or look the person up."))
        recorded_at = cleaned.get("recorded_at")
        if recorded_at is not None and timezone.is_naive(recorded_at):
            cleaned["recorded_at"] = timezone.make_aware(recorded_at)
        if "direction" in cleaned:
            self.checks = self.clean_checks(cleaned)
        return cleaned


class VisitorForm(ChecksMixin):
    """Someone not in the registry: who, whom they visit (a room of this compound, typed as
    9-2-502), why, and the same checks. Visitors are registered as they come in."""

    name = forms.CharField(label=_("Name"), max_length=60, error_messages=TOO_LONG)
    phone = forms.CharField(label=_("Phone"), max_length=20, error_messages=TOO_LONG)
    id_number = forms.CharField(label=_("ID number (optional)"), max_length=30, required=False,
                                error_messages=TOO_LONG)
    host = forms.CharField(label=_("Visiting (room, e.g. 9-2-502)"), max_length=60, error_messages=TOO_LONG)
    reason = forms.CharField(label=_("Reason"), max_length=200, error_messages=TOO_LONG)
    vehicle_plate = forms.CharField(label=_("Vehicle plate"), max_length=16, required=False, error_messages=TOO_LONG)

    def __init__(self, *args: Any, gate: Gate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.host_household: Household | None = None
        self.checks: Checks | None = None

    # The phone and ID number are checked here with the same functions visitor_register uses, so
    # that every wrong field shows at once; the service normalizes them when it saves.
    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        try:
            normalize_phone(value)
        except PhoneError as e:
            raise ValidationError(str(e)) from None
        return value

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        if value.strip():
            try:
                parse_id_number(value)
            except (IDNumberError, ValueError) as e:
                raise ValidationError(str(e)) from None
        return value

    def clean_host(self) -> str:
        text = normalize(self.cleaned_data["host"])
        found = selectors.lookup_at_gate(self.gate, text)
        active = [h for h in found.households if h.status == Household.Status.ACTIVE] if found.kind == "address" else []
        if not active:
            raise ValidationError(
                _("No household lives at “%(address)s” in %(compound)s. Type the room as 9-2-502."),
                params={"address": text, "compound": self.gate.compound.name},
            )
        # Several households may share a room; the containment level (the rule that matters for a
        # visitor) is the same for all of them, so the first one hosts.
        self.host_household = active[0]
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.checks = self.clean_checks(cleaned)
        return cleaned

    def apply_service_errors(self, error: ValidationError) -> None:
        """visitor_register's own checks (phone, ID number, ...) shown on their fields."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = "host" if field == "host_household" else field
                self.add_error(target if target in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)
