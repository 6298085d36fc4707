"""Resident ID numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male), and an
ISO 7064 MOD 11-2 check character (0-9 or X). We check the province part of the address code only:
county codes change when districts are renamed and people keep their numbers, so an unknown county
is accepted (python-stdnum's ``cn.ric`` rejects such real numbers through its birth-place table,
which is why it is not used here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.text import compact

# GB/T 2260 province-level codes.
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


class IDNumberError(ValueError):
    """The value is not a valid resident ID number; str(error) is the user-facing reason."""


@dataclass(frozen=True)
class IDInfo:
    number: str
    birth_date: dt.date
    sex: str  # "male" | "female"


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize_id_number(raw: object) -> str:
    """Full-width characters, spaces and a lowercase x are corrected."""
    return compact(raw).upper()


def parse_id_number(raw: object, *, today: dt.date | None = None) -> IDInfo:
    number = normalize_id_number(raw)
    if len(number) == 15 and number.isdigit():
        raise IDNumberError(_("15-digit first-generation ID numbers are no longer valid; enter the 18-character number"))
    if len(number) != 18:
        raise IDNumberError(_("an ID number has 18 characters, this one has %(n)d") % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IDNumberError(_("an ID number is 17 digits followed by a digit or X"))
    if number[:2] not in PROVINCES:
        raise IDNumberError(_("%(code)s is not a province code") % {"code": number[:2]})
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IDNumberError(_("%(date)s is not a real birth date") % {"date": number[6:14]}) from None
    today = today or timezone.localdate()
    if birth > today:
        raise IDNumberError(_("the birth date %(date)s is in the future") % {"date": birth.isoformat()})
    if birth.year < 1880:
        raise IDNumberError(_("%(date)s is not a real birth date") % {"date": number[6:14]})
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IDNumberError(_("the check character is wrong (expected %(expected)s)") % {"expected": expected})
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IDInfo(number=number, birth_date=birth, sex=sex)


def make_id_number(area: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (demo data, tests, benchmarks). ``sequence`` 0..999; odd = male."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
