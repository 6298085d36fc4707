"""The pinyin the import (and every person form) stores: core.text remembers pypinyin's conversion of
each segment of a name; the result must stay exactly pypinyin's own lazy_pinyin()."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import lazy_pinyin

from shequ.core.text import _pinyin, pinyin_full, pinyin_initials

# Characters whose reading depends on the phrase they are in, next to plain ones.
POLYPHONIC = ["重庆", "重新", "银行", "行长", "行走", "单于", "单", "长乐", "长大", "曾", "曾经", "朝阳", "朝代",
              "乐乐", "音乐", "解", "解放", "仇", "查", "区", "朴", "覃", "万俟", "尉迟", "张三", "Anna Li", "王2号"]

names = st.text(
    alphabet=st.sampled_from("".join(POLYPHONIC) + "王李张刘陈杨黄赵伟芳娜敏静丽强 ·xyzXYZ019"),
    min_size=1,
    max_size=8,
)


def test_phrases_read_as_pypinyin_reads_them() -> None:
    for name in POLYPHONIC + [a + b for a in POLYPHONIC for b in POLYPHONIC]:
        assert _pinyin(name) == tuple(lazy_pinyin(name, errors="default")), name
    assert (pinyin_initials("重庆银行"), pinyin_full("重庆银行")) == ("cqyh", "chongqingyinhang")


@settings(max_examples=400, deadline=None)
@given(names)
def test_any_name_reads_as_pypinyin_reads_it(name: str) -> None:
    _pinyin.cache_clear()  # the per-name cache would hide the segment memo
    assert _pinyin(name) == tuple(lazy_pinyin(name, errors="default"))
