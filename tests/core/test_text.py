"""Text normalisation shared by the parsers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from shequ.core.text import chinese_number, compact, normalize, normalize_name, pinyin_full, pinyin_initials


def test_normalize_folds_full_width_and_spaces() -> None:
    assert normalize("  ＡＢＣ　１２３  x ") == "ABC 123 x"
    assert normalize(None) == ""


def test_normalize_drops_zero_width_characters() -> None:
    assert normalize("张\u200b三\ufeff") == "张三"


def test_compact_drops_inner_spaces() -> None:
    assert compact(" 138 0013 8000 ") == "13800138000"


@pytest.mark.parametrize(("raw", "name"), [("张  三", "张三"), ("张　三", "张三"), (" 欧阳 娜娜 ", "欧阳娜娜"),
                                           ("Anna Li", "Anna Li"), ("李 Anna", "李 Anna")])
def test_normalize_name_drops_padding_between_chinese_characters(raw: str, name: str) -> None:
    assert normalize_name(raw) == name


@pytest.mark.parametrize(("text", "value"), [("二", 2), ("两", 2), ("十", 10), ("十二", 12), ("二十", 20),
                                             ("二十三", 23), ("一〇", 10), ("", None), ("十十", None)])
def test_chinese_number(text: str, value: int | None) -> None:
    assert chinese_number(text) == value


def test_pinyin() -> None:
    assert pinyin_initials("张三") == "zs"
    assert pinyin_full("张三") == "zhangsan"
    assert pinyin_initials("Anna李") == "al"


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=4))
def test_initials_are_what_pypinyin_first_letter_style_gives(name: str) -> None:
    expected = "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default") if p).lower()
    assert pinyin_initials(name) == expected
