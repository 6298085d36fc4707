"""Body temperatures: the one parser and the one plausible range of the whole system.

The gate screen and its offline copy (gates/static/gates/rules.js, held to these constants by
tests/gates/test_screen_rules_js.py), the gate device API, the screening visit form and any
importer read a temperature here, so that one reading is accepted or refused the same way
everywhere, with the same message naming the field.

**The range is 34.0-42.0 °C.** Gates and screenings take temperatures with non-contact forehead
thermometers, outdoors, at night and in winter: the skin of someone who has walked through the cold
reads 34.x °C, and that reading is real (the person is well; a guard re-measures if in doubt).
Refusing it would leave the guard no way to record the passage. The top is 42.0 °C: a living
person's temperature does not go past it (hyperpyrexia is around 41-42 °C), so 42.5 or 43 is a slip
of the finger (for 34.2, or 36.3 typed twice), and it is refused with a suggestion where one reads
out of it ("365" -> 36.5).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shequ.core.text import normalize

TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("42.0")
# 37.3 °C or above is a fever (the national guideline every gate and screening applies).
FEVER_AT = Decimal("37.3")

# What may be read as a temperature: a plain number ("36.5", "365", "36,5"). Anything else ("nan",
# "1e2", "-36.5") is refused with the range message, before Decimal reads it in ways nobody meant.
PLAIN_NUMBER = re.compile(r"^[0-9]{1,4}([.,][0-9]{0,3})?$|^[.,][0-9]{1,3}$")
_SUGGESTABLE = re.compile(r"^\d{1,4}([.,]\d{1,3})?$")


def temperature_text(raw: object) -> str:
    """The field as typed, with full-width digits and a Chinese IME's "。" and "，" read as meant
    (rules.js normalizes the same way)."""
    return normalize("" if raw is None else str(raw)).replace("。", ".").replace("，", ",").strip()


def range_message() -> str:
    return _("Temperature must be between %(low)s and %(high)s °C.") % {"low": TEMPERATURE_MIN,
                                                                          "high": TEMPERATURE_MAX}


def in_range(value: Decimal) -> bool:
    return TEMPERATURE_MIN <= value <= TEMPERATURE_MAX


def suggest_temperature(raw: object) -> Decimal | None:
    """The temperature someone meant: "36.5", "365" and "3.65" all mean 36.5 °C; "36,5" too.
    None when nothing in the range reads out of it."""
    text = str(raw if raw is not None else "").strip().replace("，", ",").replace("。", ".")
    if not _SUGGESTABLE.match(text):
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    for candidate in (value, value / 10, value * 10):
        candidate = candidate.quantize(Decimal("0.1"))
        if in_range(candidate):
            return candidate
    return None


def parse_temperature(raw: Any, *, field: str = "temperature") -> Decimal | None:
    """A temperature in °C to one decimal, or None when none was given; a ValidationError keyed by
    ``field`` otherwise, with a suggestion when one reads out of what was typed."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValidationError({field: range_message()})
    text = raw if isinstance(raw, str) else format(raw, "f") if isinstance(raw, Decimal) else str(raw)
    text = temperature_text(text)
    if not text:
        return None
    value: Decimal | None = None
    if PLAIN_NUMBER.match(text) and "," not in text:
        try:
            value = Decimal(text).quantize(Decimal("0.1"))
        except InvalidOperation:
            value = None
    if value is not None and in_range(value):
        return value
    suggestion = suggest_temperature(text) if PLAIN_NUMBER.match(text) else None
    if suggestion is not None:
        raise ValidationError({field: _("%(value)s °C is out of range; did you mean %(suggestion)s?") % {
            "value": raw, "suggestion": suggestion}})
    raise ValidationError({field: range_message()})


class TemperatureField(forms.Field):
    """A form field read by ``parse_temperature``: empty is "not taken" (None), and the messages are
    the system's (a suggestion for "365"). The browser's number input gets the same range."""

    widget = forms.NumberInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"step": "0.1", "inputmode": "decimal", "min": str(TEMPERATURE_MIN),
                                  "max": str(TEMPERATURE_MAX)})

    def to_python(self, value: Any) -> Decimal | None:
        try:
            return parse_temperature(value, field="_")
        except ValidationError as e:
            raise ValidationError(e.message_dict["_"]) from None
