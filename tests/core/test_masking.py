"""Masking of ID and phone numbers (GB/T 35273 practice): enough to recognise, not to use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequ.core.masking import mask_id_number, mask_name, mask_phone
from shequ.core.phone import normalize_phone


@pytest.mark.parametrize(("number", "masked"), [
    ("420106199001011234", "4201**********1234"),
    ("11010520100307005X", "1101**********005X"),
    ("12345678", "********"),
    ("", ""),
    (None, ""),
])
def test_an_id_number_keeps_the_first_and_last_four(number: str | None, masked: str) -> None:
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    ("13800138000", "138****8000"),
    ("19912345678", "199****5678"),
])
def test_a_mobile_keeps_three_and_four_digits(raw: str, masked: str) -> None:
    assert mask_phone(normalize_phone(raw)) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    # Three-digit area codes: Beijing 010 and 020-029 (Guangzhou, Shanghai, Tianjin, Chongqing,
    # Shenyang, Nanjing, Wuhan, Chengdu, Xi'an).
    ("010-8888 6666", "010****6666"),
    ("(027)8765-4321", "027****4321"),
    ("021-5555 1234", "021****1234"),
    # Four-digit area codes, with seven- and eight-digit subscriber numbers.
    ("0431-8888 6666", "0431****6666"),
    ("0990-622 1234", "0990***1234"),
    ("0755-2345 6789", "0755****6789"),
])
def test_a_landline_keeps_its_area_code_and_the_last_four_digits(raw: str, masked: str) -> None:
    number = normalize_phone(raw)
    assert mask_phone(number) == masked
    area = masked.split("*")[0]
    hidden = number[len(area):-4]
    assert hidden and hidden not in mask_phone(number)[len(area):]


def test_short_and_empty_phones() -> None:
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert mask_phone("1234") == "****"


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_masked_mobile_never_shows_its_middle_four(number: str) -> None:
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[-4:] and len(masked) == len(number)


@given(st.from_regex(r"0(10|2\d)[2-9]\d{7}|0[3-9]\d{2}[2-9]\d{6,7}", fullmatch=True))
def test_a_masked_landline_hides_every_subscriber_digit_but_the_last_four(number: str) -> None:
    area = 3 if number[1] in "12" else 4
    masked = mask_phone(number)
    assert masked[:area] == number[:area] and masked[-4:] == number[-4:]
    assert set(masked[area:-4]) == {"*"} and len(masked) == len(number)


@pytest.mark.parametrize(("name", "masked"), [("张三丰", "张*丰"), ("张三", "张*"), ("张", "张"),
                                              ("欧阳娜娜", "欧**娜"), ("", "")])
def test_a_name_keeps_its_first_and_last_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(("number", "masked"), [
    ("420106500101123", "4201*******1123"),  # a first-generation (15-digit) number kept from old records
    ("123456789", "1234*6789"),  # nine characters: the first and last four still show, one is hidden
])
def test_a_shorter_id_number_keeps_four_and_four_once_it_has_more_than_eight(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(("number", "masked"), [
    ("12345", "*2345"),  # five digits: the last four show
    ("4008001234", "******1234"),  # a service number without an area code: the last four only
    ("010123456", "010**3456"),  # nine digits with a leading 0 have an area code
    ("01012345", "****2345"),  # eight digits are too short to carry one
])
def test_other_numbers_keep_the_last_four_and_an_area_code_only_when_they_have_one(number: str,
                                                                                     masked: str) -> None:
    assert mask_phone(number) == masked
