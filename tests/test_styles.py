"""The style sheets keep the type rules of docs/accessibility.md: text sizes in rem (or a
percentage), so that they follow the font size the user chose in the browser; nothing under
0.875rem (14 px at the browser's default); media queries in em, so that a larger font size gets the
narrow layout rather than a squeezed wide one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SHEETS = sorted((Path(__file__).parent.parent / "src" / "shequ").glob("**/static/**/*.css"))
SMALLEST_REM = 0.875


def _declarations(css: str, prop: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [v.strip() for v in re.findall(rf"(?<![-\w]){prop}\s*:\s*([^;}}]+)", css)]


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: p.name)
def test_text_sizes_are_in_rem_and_not_under_14_px(sheet: Path) -> None:
    css = sheet.read_text()
    problems = []
    for value in _declarations(css, "font-size"):
        if value.endswith("%") or value == "inherit":
            continue
        m = re.fullmatch(r"([\d.]+)rem", value)
        if not m:
            problems.append(f"font-size:{value} (use rem)")
        elif float(m.group(1)) < SMALLEST_REM:
            problems.append(f"font-size:{value} (under {SMALLEST_REM}rem)")
    for value in _declarations(css, "font"):
        if value != "inherit":
            problems.append(f"font:{value} (set font-size in rem and the family apart)")
    assert not problems, f"{sheet.name}: {problems}"


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: p.name)
def test_media_queries_are_in_em(sheet: Path) -> None:
    queries = re.findall(r"@media([^{]*)\{", sheet.read_text())
    in_px = [q.strip() for q in queries if re.search(r"\d\s*px", q)]
    assert not in_px, f"{sheet.name}: media queries in px: {in_px}"


def test_every_sheet_is_checked() -> None:
    assert {p.name for p in SHEETS} >= {"shequ.css", "screen.css", "campaigns.css"}
