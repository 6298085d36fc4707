"""Masking of sensitive numbers (GB/T 35273 practice): keep enough to recognise, not to use."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """420106199001011234 -> 4201**********1234: the first 4 and the last 4 stay."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13800138000 -> 138****8000; landlines keep their area code and the last 4 digits
    (01088886666 -> 010****6666, 043188886666 -> 0431****6666)."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) == 11 and value.startswith("1"):
        return value[:3] + "****" + value[-4:]
    head = _area_code_length(value)
    return value[:head] + "*" * (len(value) - head - 4) + value[-4:]


def _area_code_length(value: str) -> int:
    """The area code of a national landline number: 010 and 020-029 have three digits (Beijing and
    the largest cities), every other 0XXX four; a number without the leading 0 shows none."""
    if not value.startswith("0") or len(value) < 9:
        return 0
    return 3 if value[1] in "12" else 4


def mask_name(value: str | None) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*; used where a name is shown to someone outside the household."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
