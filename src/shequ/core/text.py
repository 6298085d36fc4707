"""Text normalisation shared by the parsers: full-width forms, stray spaces, pinyin initials."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")


def normalize(value: object) -> str:
    """NFKC folds full-width digits, letters and punctuation (１２３, Ｘ, －) to ASCII; spaces go."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


def compact(value: object) -> str:
    """normalize() without any inner spaces: for numbers typed with spaces in them."""
    return normalize(value).replace(" ", "")


@lru_cache(maxsize=65536)
def pinyin_initials(name: str) -> str:
    """张三 -> "zs"; non-Chinese characters keep their first letter (lowercase)."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(p[:1] for p in letters if p).lower()


@lru_cache(maxsize=65536)
def pinyin_full(name: str) -> str:
    """张三 -> "zhangsan"."""
    return "".join(lazy_pinyin(name, errors="default")).lower()


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """Small Chinese numerals as used for units and buildings: 二 -> 2, 十二 -> 12, 二十 -> 20, 二十三 -> 23."""
    if not text:
        return None
    if all(c in _CN_DIGITS for c in text):
        value = 0
        for c in text:
            value = value * 10 + _CN_DIGITS[c]
        return value
    if "十" in text and text.count("十") == 1:
        tens_text, _, ones_text = text.partition("十")
        tens = 1 if tens_text == "" else _CN_DIGITS.get(tens_text)
        ones = 0 if ones_text == "" else _CN_DIGITS.get(ones_text)
        if tens is None or ones is None or len(tens_text) > 1 or len(ones_text) > 1:
            return None
        return tens * 10 + ones
    return None
