"""Resident ID numbers (GB 11643): checksum, birth date, province, the 15-digit generation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shequ.core.idnumber import IDNumberError, check_character, make_id_number, parse_id_number

TODAY = dt.date(2022, 4, 1)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The reasons are checked in English, the msgids; the default language is zh-hans.
    with translation.override("en"):
        yield
# Real province-level codes with real and unknown (renamed, abolished) county parts.
AREAS = ["110101", "310104", "420106", "420111", "440305", "510104", "650102", "820000", "429999", "110199"]

areas = st.sampled_from(AREAS)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


def test_it_accepts_a_valid_number() -> None:
    info = parse_id_number("11010519491231002X", today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "female"


def test_it_corrects_lowercase_x_spaces_and_full_width() -> None:
    assert parse_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert parse_id_number(" 110105 19491231 002X ", today=TODAY).number == "11010519491231002X"
    assert parse_id_number("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).number == "11010519491231002X"


def test_it_rejects_bad_checksum() -> None:
    with pytest.raises(IDNumberError, match="check character"):
        parse_id_number("110105194912310021", today=TODAY)


def test_it_rejects_a_15_digit_number_saying_so() -> None:
    with pytest.raises(IDNumberError, match="15-digit"):
        parse_id_number("110105491231002", today=TODAY)


def test_it_rejects_a_future_birth_date() -> None:
    number = make_id_number("110101", dt.date(2030, 1, 1), 11)
    with pytest.raises(IDNumberError, match="in the future"):
        parse_id_number(number, today=TODAY)


def test_it_rejects_an_impossible_birth_date() -> None:
    first17 = "11010119900230001"  # 30 February
    with pytest.raises(IDNumberError, match="not a real birth date"):
        parse_id_number(first17 + check_character(first17), today=TODAY)


@pytest.mark.parametrize("province", ["00", "10", "39", "99"])
def test_it_rejects_a_bad_province(province: str) -> None:
    first17 = f"{province}0101199001010013"[:17]
    with pytest.raises(IDNumberError, match="province"):
        parse_id_number(first17 + check_character(first17), today=TODAY)


def test_it_accepts_an_unknown_county() -> None:
    number = make_id_number("429999", dt.date(1980, 5, 6), 123)
    assert parse_id_number(number, today=TODAY).birth_date == dt.date(1980, 5, 6)


@pytest.mark.parametrize("raw", ["", "1234", "11010519491231002XX", "1101051949123100AX"])
def test_it_rejects_wrong_length_or_characters(raw: str) -> None:
    with pytest.raises(IDNumberError):
        parse_id_number(raw, today=TODAY)


@given(area=areas, birth=births, sequence=sequences)
def test_made_numbers_round_trip_birth_date_and_sex(area: str, birth: dt.date, sequence: int) -> None:
    number = make_id_number(area, birth, sequence)
    info = parse_id_number(number, today=TODAY)
    assert info.number == number
    assert info.birth_date == birth
    assert info.sex == ("male" if sequence % 2 else "female")
    assert parse_id_number(number.lower(), today=TODAY).number == number


@given(
    area=areas,
    birth=births,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=16),
    shift=st.integers(min_value=1, max_value=9),
)
def test_changing_any_one_of_the_first_17_digits_is_rejected(
    area: str, birth: dt.date, sequence: int, position: int, shift: int
) -> None:
    number = make_id_number(area, birth, sequence)
    digit = (int(number[position]) + shift) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    # Every weight is non-zero modulo 11 and a digit moves by less than 11, so the check character
    # always catches a single changed digit (if the province or date checks do not catch it first).
    with pytest.raises(IDNumberError):
        parse_id_number(changed, today=TODAY)
