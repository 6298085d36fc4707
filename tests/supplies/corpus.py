"""The parser's corpus (corpus.txt) read into cases, with the forms each case exercises derived from
the case itself, so that accuracy is measured per form (tests/supplies/test_parser.py, and
docs/supplies.md reports it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shequ.core.text import normalize

CORPUS = Path(__file__).with_name("corpus.txt")


@dataclass(frozen=True)
class Case:
    line: int
    sender: str
    text: str
    expected: dict[str, Any]

    @property
    def forms(self) -> set[str]:
        """The forms of the issue this message is an example of."""
        e, text, both = self.expected, normalize(self.text), normalize(self.sender + " " + self.text)
        forms = {f"kind:{e['kind']}", "urgent" if e["urgent"] else "not urgent"}
        if e["address"] is None:
            forms.add("address:none")
        else:
            where = "text" if _address_in(text) else "nickname"
            shape = ("dashed" if re.search(r"\d-\d{1,2}-\d", both) else
                     "chinese numerals" if re.search(r"[一二三四五六七八九十]+(号楼|栋|幢)", both) else
                     "号楼" if "号楼" in both else "栋/幢")
            forms |= {f"address in {where}", f"address:{shape}"}
        for item in e["items"]:
            q, unit = item["quantity"], item["unit"]
            forms.add(f"unit:{unit}" if unit else "no unit")
            if q is None:
                forms.add("quantity:none")
            elif q != int(q):
                forms.add("quantity:half (半, 三斤半, 1.5)")
        if re.search(r"[一二两三四五六七八九十半]\s*[斤个瓶袋箱提罐桶盒包份把根颗板只块条支听卷头打]", text):
            forms.add("quantity:chinese numerals (两, 三)")
        if "打" in text and e["items"]:
            forms.add("quantity:一打")
        if re.search(r"[x×*]\s*\d", text):
            forms.add("quantity:x2 / *3")
        if "各" in text:
            forms.add("each (各)")
        if re.search(r"^\+\d|接龙|团购|套餐", text):
            forms.add("group buy (+1, 接龙, 套餐)")
        if len(e["items"]) > 1:
            forms.add("several items")
        return forms


def _address_in(text: str) -> bool:
    return re.search(r"\d-\d{1,2}-\d{3}|(号楼|栋|幢).{0,3}(单元|门)", text) is not None


def _items(field: str) -> list[dict[str, Any]]:
    if field.strip() == "-":
        return []
    items = []
    for part in field.split(";"):
        name, quantity, unit = part.split()
        q: int | float | None = None if quantity == "-" else (float(quantity) if "." in quantity else int(quantity))
        items.append({"name": name, "quantity": q, "unit": None if unit == "-" else unit})
    return items


def cases() -> list[Case]:
    found = []
    for number, raw in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        sender, text, address, kind, urgent, items = (p.strip() for p in raw.split(" | "))
        found.append(Case(number, sender, text, {
            "address": None if address == "-" else address, "kind": kind, "urgent": urgent == "1",
            "items": _items(items)}))
    return found
