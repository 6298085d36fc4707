"""Addresses as community workers write them: every spelling of building 9, unit 2, room 502."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequ.core.address import (
    Address,
    floor_of,
    parse_address,
    parse_building,
    parse_place,
    parse_room,
    parse_unit,
)

CN = "零一二三四五六七八九"
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
# Compound names end in something other than a digit, as real ones do ("阳光100小区" included).
COMPOUNDS = ["富通小区", "阳光花园", "和平里", "江城御景", "阳光100小区", "三号院", "SOHO国际", "锦绣家园二期"]


def chinese(n: int) -> str:
    """1..99 in Chinese numerals: 二, 十, 十二, 二十, 二十三."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN[ones]
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


FORMATS = {
    "dashed": lambda b, u, r: f"{b}-{u}-{r}",
    "dashed room": lambda b, u, r: f"{b}-{u}-{r}室",
    "haolou": lambda b, u, r: f"{b}号楼{u}单元{r}",
    "dong shi": lambda b, u, r: f"{b}栋{u}单元{r}室",
    "zhuang chinese unit": lambda b, u, r: f"{b}幢{chinese(u)}单元{r}",
    "spaced": lambda b, u, r: f"{b}号楼 {u}单元 {r}室",
}


@pytest.mark.parametrize(
    "raw",
    ["9-2-502", "9号楼2单元502", "9栋2单元502室", "9幢二单元502", "9号2单元502号", "9#2单元502", "9-2-502室",
     "９－２－５０２", "9号楼 2单元 502室", "9—2—502"],
)
def test_it_reads_every_spelling_of_9_2_502(raw: str) -> None:
    assert parse_address(raw) == Address(compound="", building="9", unit="2", room="502")


@pytest.mark.parametrize("raw", ["富通小区9号楼2单元502室", "富通小区9-2-502", "富通小区 9-2-502", "富通小区，9栋2单元502"])
def test_it_splits_off_the_compound(raw: str) -> None:
    assert parse_address(raw) == Address(compound="富通小区", building="9", unit="2", room="502")


def test_a_lettered_building() -> None:
    assert parse_address("阳光花园A座2单元1501") == Address("阳光花园", "A", "2", "1501")


def test_a_building_without_units() -> None:
    assert parse_address("和平里9号楼502") == Address("和平里", "9", "", "502")


@pytest.mark.parametrize("raw", ["", "   ", "富通小区", "9号楼", "二单元502", "hello"])
def test_it_returns_none_for_what_is_not_an_address(raw: str) -> None:
    assert parse_address(raw) is None


@pytest.mark.parametrize("raw", ["9号楼", "9栋", "9幢", "9", "09", "９号楼", "9号", "9#", "九号楼", " 9 栋 "])
def test_building_spellings_are_one_building(raw: str) -> None:
    assert parse_building(raw) == "9"


@pytest.mark.parametrize("raw", ["2单元", "二单元", "2", "两单元", "２单元", "2门"])
def test_unit_spellings_are_one_unit(raw: str) -> None:
    assert parse_unit(raw) == "2"


@pytest.mark.parametrize("raw", ["502室", "502", "５０２", "502号", "502 室"])
def test_room_spellings_are_one_room(raw: str) -> None:
    assert parse_room(raw) == "502"


@pytest.mark.parametrize(("parse", "raw"), [(parse_building, "楼"), (parse_unit, "单元"), (parse_room, "五零二"),
                                            (parse_room, "502.5"), (parse_building, "")])
def test_it_rejects_non_numbers(parse, raw: str) -> None:  # type: ignore[no-untyped-def]
    assert parse(raw) is None


@pytest.mark.parametrize(("room", "floor"), [("502", 5), ("1502", 15), ("12", 1), ("3", 1), ("2301A", 23)])
def test_floor_of(room: str, floor: int) -> None:
    assert floor_of(room) == floor


@given(
    building=st.integers(min_value=1, max_value=120),
    unit=st.integers(min_value=1, max_value=12),
    floor=st.integers(min_value=1, max_value=33),
    door=st.integers(min_value=1, max_value=8),
    style=st.sampled_from(sorted(FORMATS)),
    compound=st.sampled_from(["", *COMPOUNDS]),
    full_width=st.booleans(),
)
def test_every_format_gives_back_the_same_parts(
    building: int, unit: int, floor: int, door: int, style: str, compound: str, full_width: bool
) -> None:
    room = f"{floor}{door:02d}"
    text = compound + FORMATS[style](building, unit, room)
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert parse_address(text) == Address(compound=compound, building=str(building), unit=str(unit), room=room)


@given(n=st.integers(min_value=1, max_value=99))
def test_chinese_unit_numbers(n: int) -> None:
    assert parse_unit(f"{chinese(n)}单元") == str(n)


# -- Chinese numerals for buildings, and places without a room ------------------------------------

PLACE_FORMATS = {
    "haolou": lambda b, u: f"{b}号楼" + (f"{u}单元" if u else ""),
    "dong": lambda b, u: f"{b}栋" + (f"{u}单元" if u else ""),
    "zhuang": lambda b, u: f"{b}幢" + (f"{u}单元" if u else ""),
    "spaced": lambda b, u: f"{b} 号楼" + (f" {u} 单元" if u else ""),
}


@pytest.mark.parametrize(("raw", "expected"), [
    ("九号楼二单元502", Address("", "9", "2", "502")),
    ("九栋2单元502室", Address("", "9", "2", "502")),
    ("富通小区九号楼二单元五〇二", None),  # a room is a number as written on the door
    ("十二幢三单元1201", Address("", "12", "3", "1201")),
    ("锦绣家园二期九号楼502", Address("锦绣家园二期", "9", "", "502")),
    ("二十三号楼两单元101", Address("", "23", "2", "101")),
])
def test_chinese_numeral_buildings_in_addresses(raw: str, expected: Address | None) -> None:
    assert parse_address(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("九号楼", Address("", "9", "", "")),
    ("9号楼", Address("", "9", "", "")),
    ("九栋", Address("", "9", "", "")),
    ("富通小区九号楼", Address("富通小区", "9", "", "")),
    ("九号楼二单元", Address("", "9", "2", "")),
    ("9号楼2单元", Address("", "9", "2", "")),
    ("9-2", Address("", "9", "2", "")),
    ("富通小区 9-2", Address("富通小区", "9", "2", "")),
    ("A座3单元", Address("", "A", "3", "")),
])
def test_a_building_or_stairwell_is_a_place(raw: str, expected: Address) -> None:
    assert parse_place(raw) == expected


@pytest.mark.parametrize("raw", ["", "9", "1234", "二单元", "9-2-502", "九号楼二单元502", "张三", "三号院"])
def test_what_is_no_place(raw: str) -> None:
    assert parse_place(raw) is None


@given(
    building=st.integers(min_value=1, max_value=99),
    unit=st.integers(min_value=0, max_value=12),
    style=st.sampled_from(sorted(PLACE_FORMATS)),
    compound=st.sampled_from(["", *COMPOUNDS]),
    chinese_building=st.booleans(),
    chinese_unit=st.booleans(),
    room=st.one_of(st.none(), st.integers(min_value=101, max_value=3308)),
)
def test_every_spelling_of_a_building_stairwell_or_room_gives_back_its_parts(
    building: int, unit: int, style: str, compound: str, chinese_building: bool, chinese_unit: bool,
    room: int | None,
) -> None:
    b = chinese(building) if chinese_building else str(building)
    u = (chinese(unit) if chinese_unit else str(unit)) if unit else ""
    text = compound + PLACE_FORMATS[style](b, u)
    if room is None:
        assert parse_place(text) == Address(compound, str(building), str(unit) if unit else "", "")
        assert parse_address(text) is None
    else:
        assert parse_address(f"{text}{room}室") == Address(compound, str(building), str(unit) if unit else "",
                                                            str(room))
