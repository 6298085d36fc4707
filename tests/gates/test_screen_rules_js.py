"""ONE table of rule cases, run through both rules.decide (Python) and rules.js (in Chromium), so the
offline screen cannot drift from the server. The same for the temperature suggestion ("365" ->
36.5) and for reading the temperature field.

The table is every combination of the checks that matter with every kind of standing, plus named
cases at the edges; each case also carries the expected reasons where a person wrote them down, so
that both implementations are held to the rules, not just to each other.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from playwright.sync_api import Page

from shequ.core.temperature import PLAIN_NUMBER, temperature_text
from shequ.gates import services
from shequ.gates.rules import Checks, Standing, decide, suggest_temperature
from tests.browser.conftest import browser_type_launch_args  # noqa: F401  (Debian's chromium, as in tests/browser)

pytestmark = pytest.mark.browser

RULES_JS = Path(__file__).resolve().parents[2] / "src" / "shequ" / "gates" / "static" / "gates" / "rules.js"

NAMED: list[tuple[str, dict[str, Any], dict[str, Any], list[str]]] = [
    # (name, checks, standing, expected reasons)
    ("resident in, all fine", {"direction": "in", "temperature": "36.5", "health_code": "green", "mask": True}, {}, []),
    ("fever at exactly 37.3", {"direction": "in", "temperature": "37.3", "health_code": "green", "mask": True}, {},
     ["fever"]),
    ("37.29 is no fever", {"direction": "in", "temperature": "37.29", "health_code": "green", "mask": True}, {}, []),
    ("37.25 is no fever (no rounding in decide)",
     {"direction": "in", "temperature": "37.25", "health_code": "green", "mask": True}, {}, []),
    ("no temperature on the way in", {"direction": "in", "temperature": None, "health_code": "green", "mask": True}, {},
     ["temperature_missing"]),
    ("no temperature on the way out is fine",
     {"direction": "out", "temperature": None, "health_code": "green", "mask": True}, {}, []),
    ("everything wrong at a closed gate",
     {"direction": "in", "temperature": "39.0", "health_code": "red", "mask": False}, {"gate_closed": True},
     ["gate_closed", "no_mask", "fever", "code_red"]),
    ("restricted may come in", {"direction": "in", "temperature": "36.5", "health_code": "green", "mask": True},
     {"restricted": True}, []),
    ("restricted may not leave", {"direction": "out", "temperature": None, "health_code": "green", "mask": True},
     {"restricted": True}, ["movement_restricted"]),
    ("sealed, restricted, quota used: all reasons, in order",
     {"direction": "out", "temperature": "36.5", "health_code": "yellow", "mask": True},
     {"restricted": True, "level": "sealed", "quota_left": 0}, ["code_yellow", "movement_restricted", "area_sealed",
                                                                "exit_quota_used"]),
    ("controlled area may leave", {"direction": "out", "temperature": None, "health_code": "green", "mask": True},
     {"level": "controlled", "quota_left": 1}, []),
    ("negative quota left is used", {"direction": "out", "temperature": None, "health_code": "green", "mask": True},
     {"quota_left": -2}, ["exit_quota_used"]),
    ("unknown person: leaving rules do not apply",
     {"direction": "out", "temperature": None, "health_code": "green", "mask": True},
     {"identity_problem": "unknown_person", "restricted": True, "level": "sealed", "quota_left": 0}, ["unknown_person"]),
    ("revoked pass with a fever", {"direction": "in", "temperature": "38.0", "health_code": "green", "mask": True},
     {"identity_problem": "pass_revoked"}, ["pass_revoked", "fever"]),
    ("visitor to a sealed host", {"direction": "in", "temperature": "36.5", "health_code": "green", "mask": True},
     {"visitor": True, "level": "sealed"}, ["host_sealed"]),
    ("visitor leaving a sealed host is not refused for it",
     {"direction": "out", "temperature": None, "health_code": "green", "mask": True},
     {"visitor": True, "level": "sealed", "restricted": True, "quota_left": 0}, []),
]

STANDINGS: list[dict[str, Any]] = [
    {},
    {"gate_closed": True},
    {"identity_problem": "unknown_person"},
    {"identity_problem": "pass_invalid", "gate_closed": True},
    {"identity_problem": "other_compound", "restricted": True},
    {"restricted": True},
    {"level": "sealed"},
    {"level": "controlled", "quota_left": 0},
    {"level": "precaution", "quota_left": 1},
    {"restricted": True, "level": "sealed", "quota_left": 0},
    {"visitor": True},
    {"visitor": True, "level": "sealed"},
    {"visitor": True, "level": "controlled", "gate_closed": True},
]


def table() -> list[dict[str, Any]]:
    cases = [{"name": n, "checks": c, "standing": s, "expected": e} for n, c, s, e in NAMED]
    for direction, temperature, code, mask, standing in itertools.product(
        ["in", "out"], [None, "35.0", "36.5", "37.2", "37.3", "37.4", "41.9"], ["green", "yellow", "red"],
        [True, False], STANDINGS,
    ):
        cases.append({"name": f"{direction} {temperature} {code} mask={mask} {standing}",
                      "checks": {"direction": direction, "temperature": temperature, "health_code": code, "mask": mask},
                      "standing": standing, "expected": None})
    return cases


def python_decide(case: dict[str, Any]) -> dict[str, Any]:
    c = case["checks"]
    temperature = None if c["temperature"] is None else Decimal(c["temperature"])
    verdict = decide(Checks(direction=c["direction"], temperature=temperature, health_code=c["health_code"],
                            mask=c["mask"]), Standing(**case["standing"]))
    return {"decision": verdict.decision, "reasons": list(verdict.reasons), "alert": verdict.alert}


@pytest.fixture
def rules_page(page: Page) -> Page:
    page.set_content("<!DOCTYPE html><html><body></body></html>")
    page.add_script_tag(path=str(RULES_JS))
    return page


def test_rules_js_decides_every_case_like_rules_py(rules_page: Page) -> None:
    cases = table()
    assert len(cases) > 1000
    js = rules_page.evaluate("cases => cases.map(c => ShequRules.decide(c.checks, c.standing))", cases)
    mismatches = []
    for case, got in zip(cases, js, strict=True):
        expected = python_decide(case)
        if case["expected"] is not None:
            assert expected["reasons"] == case["expected"], case["name"]
        if got != expected:
            mismatches.append(f"{case['name']}: python {expected} js {got}")
    assert not mismatches, "\n".join(mismatches[:20])


SUGGESTIONS = [
    "36.5", "365", "3.65", "36,5", "36，5", "36。5", "３６５", " 36.5 ", "36.55", "36.45", "36.65", "3.655", "0.365",
    "350", "349", "3495", "420", "421", "42.0", "42.04", "42.05", "42.06", "34.95", "34.94", "4200", "36", "3",
    "0", "", "abc", "36.5.1", "36.", ".5", "-36.5", "1e2", "nan", "9999", "9999.999", "12345", "36.5555",
    "37.25", "372.5", "3725",
]


def test_the_temperature_suggestion_is_the_same_in_both(rules_page: Page) -> None:
    js = rules_page.evaluate("xs => xs.map(x => ShequRules.suggestTemperature(x))", SUGGESTIONS)
    for raw, got in zip(SUGGESTIONS, js, strict=True):
        expected = suggest_temperature(raw)
        assert got == (None if expected is None else str(expected)), raw


def python_read_temperature(raw: str) -> dict[str, Any]:
    """What the screen's form does with the temperature field (forms_screen.ChecksMixin.clean_checks)."""
    text = temperature_text(raw)
    if not text:
        return {"value": None, "error": None, "suggestion": None}
    if not PLAIN_NUMBER.match(text):
        return {"value": None, "error": "range", "suggestion": None}
    try:
        checks = services.parse_checks(direction="in", temperature=text, health_code="green", mask=True)
    except ValidationError:
        suggestion = suggest_temperature(text)
        return {"value": None, "error": "suggest" if suggestion is not None else "range",
                "suggestion": None if suggestion is None else str(suggestion)}
    return {"value": str(checks.temperature), "error": None, "suggestion": None}


def test_reading_the_temperature_field_is_the_same_in_both(rules_page: Page) -> None:
    js = rules_page.evaluate("xs => xs.map(x => ShequRules.parseTemperature(x))", SUGGESTIONS)
    for raw, got in zip(SUGGESTIONS, js, strict=True):
        assert got == python_read_temperature(raw), raw


def test_the_rules_js_constants_are_the_python_ones() -> None:
    from shequ.gates import rules

    source = RULES_JS.read_text(encoding="utf-8")
    for name in ("FEVER_AT", "TEMPERATURE_MIN", "TEMPERATURE_MAX"):
        match = re.search(rf'var {name} = "([\d.]+)";', source)
        assert match and Decimal(match.group(1)) == getattr(rules, name), name
    # Every reason code Python can give is a code rules.js knows how to give or pass through.
    for code in ("gate_closed", "no_mask", "temperature_missing", "fever", "code_yellow", "code_red",
                 "movement_restricted", "area_sealed", "exit_quota_used", "host_sealed"):
        assert f'"{code}"' in source, code
