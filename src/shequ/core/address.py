"""Addresses as community workers write them.

``9-2-502``, ``9号楼2单元502``, ``9栋2单元502室``, ``9幢二单元502``, ``九号楼二单元502``,
``富通小区9号楼2单元502室`` and ``富通小区9-2-502`` all name building 9, unit 2, room 502 (of compound
富通小区 where one is given); ``9号楼``, ``九号楼二单元`` and ``9-2`` name a building or a stairwell
(parse_place). Building and unit numbers may be written in Chinese numerals (九, 十二, 二十三).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shequ.core.text import chinese_number, normalize

_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "_": "-", "/": "-", "、": "-"})
_CN = "零〇一二两三四五六七八九十"
_NUM = rf"(?:\d+[A-Za-z]?|[{_CN}]+)"
# Buildings may also be lettered: "A座", "B栋".
_BNUM = rf"(?:\d+[A-Za-z]?|[A-Za-z]|[{_CN}]+)"
_B_MARK = r"(?:号楼|号栋|栋|幢|号|楼|座|#楼|#)"
_U_MARK = r"(?:单元|门|号门)"
_R_MARK = r"(?:室|号房|号|房)"

_MARKED = re.compile(
    rf"^(?P<compound>.*?)(?P<building>{_BNUM})\s*{_B_MARK}\s*"
    rf"(?:(?P<unit>{_NUM})\s*{_U_MARK}\s*)?"
    rf"(?P<room>\d+[A-Za-z]?)\s*{_R_MARK}?$"
)
_DASHED = re.compile(
    rf"^(?P<compound>.*?)(?P<building>\d+[A-Za-z]?)-(?P<unit>\d+)-(?P<room>\d+[A-Za-z]?){_R_MARK}?$"
)
# A building or a stairwell without a room: 9号楼, 九栋, 富通小区9号楼, 9号楼2单元, 九号楼二单元, 9-2.
_PLACE_MARKED = re.compile(
    rf"^(?P<compound>.*?)(?P<building>{_BNUM})\s*{_B_MARK}\s*(?:(?P<unit>{_NUM})\s*{_U_MARK})?$"
)
_PLACE_DASHED = re.compile(r"^(?P<compound>(?:.*[^\d\-])?)(?P<building>\d+[A-Za-z]?)-(?P<unit>\d+)$")
_BUILDING = re.compile(rf"^(?P<building>{_BNUM})\s*{_B_MARK}?$")
_UNIT = re.compile(rf"^(?P<unit>{_NUM})\s*{_U_MARK}?$")
_ROOM = re.compile(rf"^(?P<room>\d+[A-Za-z]?)\s*{_R_MARK}?$")
# Left between a compound name and the building when people separate them: "富通小区, 9-2-502".
_COMPOUND_TRAIL = " -,;:.、，"


@dataclass(frozen=True)
class Address:
    compound: str
    building: str
    unit: str
    room: str

    @property
    def short(self) -> str:
        return "-".join(p for p in (self.building, self.unit, self.room) if p)


def _number(text: str) -> str | None:
    """Canonical form of a building or unit number: 09 -> 9, 二 -> 2, 3a -> 3A."""
    text = text.strip()
    if not text:
        return None
    if text[0] in _CN:
        value = chinese_number(text)
        return None if value is None else str(value)
    digits = text.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    suffix = text[len(digits):].upper()
    if not digits:
        return suffix if len(suffix) == 1 else None
    if not digits.isdigit():
        return None
    return str(int(digits)) + suffix


def parse_building(raw: object) -> str | None:
    m = _BUILDING.match(normalize(raw))
    return _number(m["building"]) if m else None


def parse_unit(raw: object) -> str | None:
    m = _UNIT.match(normalize(raw))
    return _number(m["unit"]) if m else None


def parse_room(raw: object) -> str | None:
    m = _ROOM.match(normalize(raw))
    return m["room"].upper() if m else None


def parse_address(raw: object) -> Address | None:
    """Split an address into compound, building, unit and room; None when it is not one."""
    text = normalize(raw).translate(_DASHES).replace(" ", "")
    if not text:
        return None
    for pattern in (_DASHED, _MARKED):
        m = pattern.match(text)
        if not m:
            continue
        building = _number(m["building"])
        unit = _number(m["unit"]) if m["unit"] else ""
        room = m["room"].upper()
        if building is None or unit is None:
            continue
        compound = m["compound"].rstrip(_COMPOUND_TRAIL).strip()
        return Address(compound=compound, building=building, unit=unit, room=room)
    return None


def parse_place(raw: object) -> Address | None:
    """A building or one of its stairwells, without a room (``room`` is ""): ``9号楼``, ``九栋``,
    ``富通小区9号楼``, ``9号楼2单元``, ``九号楼二单元``, ``9-2``. None for a full address (see
    parse_address) or anything else. A bare number is not a place: it is the end of a phone number."""
    text = normalize(raw).translate(_DASHES).replace(" ", "")
    if not text or parse_address(text) is not None:
        return None
    for pattern in (_PLACE_DASHED, _PLACE_MARKED):
        m = pattern.match(text)
        if not m:
            continue
        building = _number(m["building"])
        unit = _number(m["unit"]) if m["unit"] else ""
        if building is None or unit is None:
            continue
        return Address(compound=m["compound"].rstrip(_COMPOUND_TRAIL).strip(), building=building, unit=unit, room="")
    return None


def floor_of(room: str) -> int:
    """502 -> 5, 1502 -> 15, 12 -> 1 (rooms numbered per floor: the last two digits are the door)."""
    digits = "".join(ch for ch in room if ch.isdigit())
    if len(digits) >= 3:
        return int(digits[:-2])
    return 1
