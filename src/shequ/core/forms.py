"""Form pieces every app uses: date and time inputs that round-trip in every language.

A browser's ``<input type="date">`` takes its value as ``YYYY-MM-DD`` only, ``datetime-local`` as
``YYYY-MM-DDTHH:MM`` and ``time`` as ``HH:MM`` (the HTML standard's formats, whatever the user's
language). Django's own inputs write the active locale's first input format instead: in Chinese
``2021/03/28``, which the browser rejects without a word, shows as empty and submits as empty; in
English a datetime comes out as ``2022-04-01 08:00:00``, which ``datetime-local`` rejects the same
way. So a form that shows a stored date and is saved again erased it. The widgets here write the
standard format always; the fields' parsing already accepts it in both languages.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_MINUTE = "%Y-%m-%dT%H:%M"
HOUR_MINUTE = "%H:%M"


class DateInput(forms.DateInput):
    """``<input type="date">`` with its value as YYYY-MM-DD in every language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` (local time, to the minute) as YYYY-MM-DDTHH:MM."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_MINUTE)


class TimeInput(forms.TimeInput):
    """``<input type="time">`` as HH:MM."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=HOUR_MINUTE)
