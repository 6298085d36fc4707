"""The message parser against its corpus (tests/supplies/corpus.txt), accuracy asserted per form;
and the pasted-run splitter."""

from __future__ import annotations

from collections import defaultdict

import pytest

from shequ.supplies.parser import parse_message, split_messages
from tests.supplies.corpus import cases

# The least share of a form's messages read exactly right (address, kind, urgency, every item).
FLOOR = 0.95
# Forms the issue names: each must be in the corpus, with enough examples to measure.
FORMS = {
    "address:dashed", "address:栋/幢", "address:号楼", "address:chinese numerals", "address in nickname",
    "address in text", "address:none", "quantity:chinese numerals (两, 三)", "quantity:half (半, 三斤半, 1.5)",
    "quantity:一打", "quantity:x2 / *3", "each (各)", "group buy (+1, 接龙, 套餐)", "kind:order", "kind:medicine",
    "kind:errand", "kind:help", "kind:distress", "kind:other", "urgent", "several items",
    *(f"unit:{u}" for u in ("斤", "公斤", "克", "个", "瓶", "袋", "箱", "提", "罐", "桶", "盒", "包", "份", "把", "根", "颗", "板")),
}


def accuracy() -> dict[str, tuple[int, int]]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in cases():
        right = parse_message(case.sender, case.text).as_json() == case.expected
        for form in case.forms:
            per[form][0] += right
            per[form][1] += 1
    return {form: (right, total) for form, (right, total) in per.items()}


def test_the_corpus_has_at_least_200_messages_and_every_form() -> None:
    found = cases()
    assert len(found) >= 200
    per = accuracy()
    missing = sorted(FORMS - set(per))
    assert not missing, f"forms without an example in the corpus: {missing}"


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_is_read_right(form: str) -> None:
    right, total = accuracy()[form]
    wrong = [(c.line, c.text, parse_message(c.sender, c.text).as_json()) for c in cases()
             if form in c.forms and parse_message(c.sender, c.text).as_json() != c.expected]
    assert right / total >= FLOOR, (form, right, total, wrong)


def test_it_reads_the_issue_s_examples() -> None:
    assert parse_message("9-2-502 张嫂子", "面粉5斤").as_json() == {
        "address": "9-2-502", "kind": "order", "urgent": False,
        "items": [{"name": "面粉", "quantity": 5, "unit": "斤"}]}
    each = parse_message("", "3栋1单元201 土豆、洋葱各2斤").as_json()
    assert each["address"] == "3-1-201"
    assert each["items"] == [{"name": "土豆", "quantity": 2, "unit": "斤"}, {"name": "洋葱", "quantity": 2, "unit": "斤"}]
    assert parse_message("", "12号楼3单元601 王 猪肉三斤半").as_json()["items"] == [
        {"name": "猪肉", "quantity": 3.5, "unit": "斤"}]
    assert parse_message("", "接龙 4-2-201 套餐B 两份").as_json()["items"] == [
        {"name": "套餐B", "quantity": 2, "unit": "份"}]


def test_distress_is_urgent_and_carries_no_items() -> None:
    parsed = parse_message("15-1-1101", "我真的撑不下去了，不想活了，面粉也不要了 5斤")
    assert (parsed.kind, parsed.urgent, parsed.items) == ("distress", True, ())


def test_it_never_raises_on_odd_input() -> None:
    for text in ["", " ", "\x00", "🙂" * 500, "9-2-502" * 100, "x" * 5000, "一" * 300, "+", "各各各"]:
        parse_message(text, text)


def test_a_pasted_run_is_split_into_messages_and_nothing_is_lost() -> None:
    paste = """张嫂子 10:32
9-2-502 面粉5斤
鸡蛋一打

李阿姨：9-2-601 要两袋面粉
王: 急：胰岛素2盒
一行没有发言人的话
[老刘] 3栋1单元201 土豆3斤"""
    assert split_messages(paste) == [
        ("张嫂子", "9-2-502 面粉5斤\n鸡蛋一打"),
        ("李阿姨", "9-2-601 要两袋面粉"),
        ("王", "急：胰岛素2盒\n一行没有发言人的话"),
        ("老刘", "3栋1单元201 土豆3斤"),
    ]
    assert split_messages("只有一行") == [("", "只有一行")]


def test_the_held_out_messages_are_mostly_read_right(monkeypatch: pytest.MonkeyPatch) -> None:
    """heldout.txt was written after the parser was tuned and is never tuned against: the honest
    estimate (22 of 25 when written; docs/supplies.md). A fall below 80% is a regression."""
    from pathlib import Path

    import tests.supplies.corpus as corpus

    monkeypatch.setattr(corpus, "CORPUS", Path(corpus.__file__).with_name("heldout.txt"))
    held = corpus.cases()
    right = sum(parse_message(c.sender, c.text).as_json() == c.expected for c in held)
    assert len(held) >= 25 and right / len(held) >= 0.8, right
