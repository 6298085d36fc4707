"""Text normalisation shared by the parsers: full-width forms, stray spaces, pinyin initials."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pypinyin.constants import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

_SPACES = re.compile(r"\s+")
# Zero-width characters come along when cells are pasted from web pages and chat apps; they are
# invisible, so nobody can see why "张三" does not match "张\u200b三".
# Zero-width characters, and control characters (NUL and the like, which PostgreSQL refuses in
# text) other than the whitespace that _SPACES folds.
_INVISIBLE = dict.fromkeys(
    [*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), *(c for c in range(32) if chr(c) not in "\t\n\r"), 127]
)


def normalize(value: object) -> str:
    """NFKC folds full-width digits, letters and punctuation (１２３, Ｘ, －) to ASCII; spaces go."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def clean_text(value: object) -> str:
    """Free text as the user typed it (notes, reasons, tag details): full-width punctuation (，（）),
    spacing and line breaks stay. Only what nobody can see goes (zero-width and control characters),
    line endings become \n, and the ends are trimmed. Names and numbers are matched, so they go
    through normalize() instead."""
    if value is None:
        return ""
    return str(value).translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n").strip()


def compact(value: object) -> str:
    """normalize() without any inner spaces: for numbers typed with spaces in them."""
    return normalize(value).replace(" ", "")


_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")


def normalize_name(value: object) -> str:
    """normalize(), and spaces between Chinese characters dropped: rosters pad two-character names
    to line up ("张  三"), while a space between Latin words ("Anna Li") is part of the name."""
    return _CJK_GAP.sub("", normalize(value))


class _SegmentMemo(UltimateConverter):
    """pypinyin's converter (the one ``lazy_pinyin()`` uses), remembering the result for each
    segment: pypinyin splits a name into phrases and characters, converts each (the slow part), and
    names share their characters, so a roster of 100,000 mostly different names converts a few
    hundred segments (28 -> 8 us a new name). The conversion depends on nothing but its arguments."""

    _LIMIT = 100_000

    def __init__(self) -> None:
        super().__init__(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False)
        self._memo: dict[tuple[Any, ...], list[list[str]]] = {}

    # pypinyin always passes ``strict``; its stubs give it a default, so the override does too.
    def convert(self, words: str, style: Style, heteronym: bool, errors: Callable[[str], str] | str,
                strict: bool = True, **kwargs: Any) -> list[list[str]]:
        if kwargs:
            return super().convert(words, style, heteronym, errors, strict, **kwargs)
        key = (words, style, heteronym, errors, strict)
        result = self._memo.get(key)
        if result is None:
            if len(self._memo) >= self._LIMIT:
                self._memo.clear()
            result = self._memo[key] = super().convert(words, style, heteronym, errors, strict)
        return [list(syllables) for syllables in result]  # callers may change the lists they get


_PINYIN = Pinyin(_SegmentMemo())


@lru_cache(maxsize=65536)
def _pinyin(name: str) -> tuple[str, ...]:
    # One conversion serves both forms below: pypinyin's FIRST_LETTER style is the first letter of
    # the NORMAL style's syllables, and converting is the slow part. Same as lazy_pinyin(name).
    return tuple(_PINYIN.lazy_pinyin(name, errors="default"))


def pinyin_initials(name: str) -> str:
    """张三 -> "zs"; non-Chinese characters keep their first letter (lowercase)."""
    return "".join(p[:1] for p in _pinyin(name) if p).lower()


def pinyin_full(name: str) -> str:
    """张三 -> "zhangsan"."""
    return "".join(_pinyin(name)).lower()


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
