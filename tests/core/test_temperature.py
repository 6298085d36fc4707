"""One temperature parser and one plausible range (core/temperature.py) for the whole system."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from shequ.campaigns.forms import VisitForm
from shequ.core.temperature import TEMPERATURE_MAX, TEMPERATURE_MIN, parse_temperature
from shequ.gates import services as gates
from shequ.registry.models import Person


@pytest.fixture(autouse=True)
def english() -> object:
    with translation.override("en"):
        yield


@pytest.mark.parametrize(("raw", "value"), [
    ("34.5", "34.5"), ("34.0", "34.0"), ("42.0", "42.0"), ("36,5", None), ("３６．５", "36.5"), (" 36.6 ", "36.6"),
    (Decimal("36.55"), "36.6"), (36.5, "36.5"), ("36.", "36.0"), ("", None), (None, None),
])
def test_it_reads_a_plausible_temperature(raw: object, value: str | None) -> None:
    if raw == "36,5":
        with pytest.raises(ValidationError) as e:
            parse_temperature(raw)
        assert e.value.message_dict == {"temperature": ["36,5 °C is out of range; did you mean 36.5?"]}
        return
    assert parse_temperature(raw) == (None if value is None else Decimal(value))


def test_the_range_takes_a_cold_forehead_and_refuses_what_no_living_person_reads() -> None:
    assert (Decimal("34.0"), Decimal("42.0")) == (TEMPERATURE_MIN, TEMPERATURE_MAX)
    assert parse_temperature("34.5") == Decimal("34.5")
    for raw in ("42.5", "43", "43.0", "33.9"):
        with pytest.raises(ValidationError) as e:
            parse_temperature(raw, field="temp_7")
        assert e.value.message_dict == {"temp_7": ["Temperature must be between 34.0 and 42.0 °C."]}, raw


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", "1e2", "-36.5", "36.5.1", True])
def test_it_refuses_what_is_not_a_plain_number_with_the_range(raw: object) -> None:
    with pytest.raises(ValidationError) as e:
        parse_temperature(raw)
    assert e.value.message_dict == {"temperature": ["Temperature must be between 34.0 and 42.0 °C."]}


def test_a_typed_slip_gets_a_suggestion() -> None:
    with pytest.raises(ValidationError) as e:
        parse_temperature("365")
    assert e.value.message_dict == {"temperature": ["365 °C is out of range; did you mean 36.5?"]}


@pytest.mark.parametrize(("raw", "ok"), [("34.5", True), ("42.0", True), ("43", False), ("33.5", False)])
def test_the_gate_and_the_screening_visit_agree(raw: str, ok: bool) -> None:
    try:
        gate_value = gates.parse_checks(direction="in", temperature=raw, health_code="green", mask=True).temperature
    except ValidationError as e:
        gate_value, gate_errors = None, e.message_dict
    else:
        gate_errors = {}
    person = Person(pk=7, name="x")
    form = VisitForm(data={"outcome": "visited", "state_7": "present", "temp_7": raw}, persons=[person])
    assert form.is_valid() is ok, form.errors
    if ok:
        assert gate_value == form.cleaned_data["present"][7] == Decimal(raw)
    else:
        assert form.errors["temp_7"] == gate_errors["temperature"] == ["Temperature must be between 34.0 and 42.0 °C."]
    widget = form.fields["temp_7"].widget
    assert (widget.attrs["min"], widget.attrs["max"]) == ("34.0", "42.0")
