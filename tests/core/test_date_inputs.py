"""Date and time inputs of every form of the project round-trip in both languages.

A browser's date, datetime-local and time inputs take their value in the HTML standard's format
only; anything else (the Chinese locale's 2021/03/28) is dropped and submitted as empty.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.utils import timezone, translation

import shequ
from shequ.core.forms import DateInput, DateTimeInput, TimeInput

STANDARD = {"date": "2021-03-28", "datetime-local": "2022-04-01T08:05", "time": "08:05"}
VALUES = {"date": dt.date(2021, 3, 28), "datetime-local": dt.datetime(2022, 4, 1, 8, 5, 30), "time": dt.time(8, 5, 30)}
LANGUAGES = ["zh-hans", "en"]


def _every_form_class() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(shequ.__path__, "shequ."):
        if ".forms" in module.name or module.name.endswith("forms"):
            importlib.import_module(module.name)

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted({c for c in below(forms.BaseForm) if c.__module__.startswith("shequ.")},
                  key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _browser_inputs() -> list[tuple[str, str, Any]]:
    """(form.field, input type, field) of every date/time input a browser gets."""
    found = []
    for cls in _every_form_class():
        for name, field in cls.base_fields.items():
            widget = field.widget
            kind = widget.attrs.get("type") or getattr(widget, "input_type", None)
            if kind in STANDARD:
                found.append((f"{cls.__module__}.{cls.__qualname__}.{name}", kind, field))
    return found


INPUTS = _browser_inputs()


def test_the_project_has_date_inputs_to_check() -> None:
    names = {n for n, _kind, _field in INPUTS}
    assert "shequ.registry.forms.PersonForm.birth_date" in names
    assert "shequ.campaigns.forms.CampaignForm.starts_on" in names
    assert {k for _n, k, _f in INPUTS} == set(STANDARD)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "kind", "field"), INPUTS, ids=[n for n, _k, _f in INPUTS])
def test_a_stored_value_is_shown_in_the_browsers_format_and_read_back(
    name: str, kind: str, field: forms.Field, language: str
) -> None:
    value = VALUES[kind]
    if kind == "datetime-local":
        value = timezone.make_aware(value)
    with translation.override(language):
        html = field.widget.render("f", field.prepare_value(value))
        shown = re.search(r'value="([^"]*)"', html)
        assert shown is not None and shown.group(1) == STANDARD[kind], f"{name} in {language}: {html}"
        back = field.clean(shown.group(1))
    # The inputs show minutes; seconds are not part of what a user enters.
    assert back == (value if kind == "date" else value.replace(second=0))


@pytest.mark.parametrize("widget", [DateInput, DateTimeInput, TimeInput])
def test_the_core_inputs_keep_their_attributes(widget: type[forms.Widget]) -> None:
    html = widget(attrs={"min": "2020-01-01"}).render("f", None)
    assert 'min="2020-01-01"' in html and f'type="{widget.input_type}"' in html
