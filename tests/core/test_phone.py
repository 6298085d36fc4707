"""Phone numbers through phonenumbers, and the mobile fast path that must agree with it."""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shequ.core.phone import PhoneError, normalize_phone


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The reasons are checked in English, the msgids; the default language is zh-hans.
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("010-8888 6666", "01088886666"),
        ("(027)8888-6666", "02788886666"),
    ],
)
def test_it_normalises(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "1380013800", "138001380001", "23800138000", "12800138000", "phone"])
def test_it_rejects_what_is_not_a_chinese_number(raw: str) -> None:
    with pytest.raises(PhoneError):
        normalize_phone(raw)


def test_it_rejects_an_empty_value() -> None:
    with pytest.raises(PhoneError, match="empty"):
        normalize_phone("  ")


def _libphonenumber(text: str) -> str | None:
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:  # "11000008000": too short once "1" is read as a prefix
        return None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        return None
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


@given(st.from_regex(r"\A1[0-9]{10}\Z"))
def test_the_mobile_fast_path_agrees_with_libphonenumber(text: str) -> None:
    try:
        ours: str | None = normalize_phone(text)
    except PhoneError:
        ours = None
    assert ours == _libphonenumber(text)
