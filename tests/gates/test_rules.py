"""The gate's rules as one table of cases.

Each case is plain data (checks, standing, expected decision and reasons) so that the offline
screen's copy of the rules (gates/static/gates/rules.js) can be run against the very same table:
``CASES`` is importable and ``cases_json()`` gives it as JSON.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from shequ.gates.rules import (
    REASON_MSGIDS,
    Checks,
    Standing,
    Verdict,
    decide,
    reason_labels,
    suggest_temperature,
)

OK = {"direction": "in", "temperature": "36.5", "health_code": "green", "mask": True}


def _in(**changes: Any) -> dict[str, Any]:
    return {**OK, **changes}


def _out(**changes: Any) -> dict[str, Any]:
    return {**OK, "direction": "out", **changes}


# (name, checks, standing, decision, reasons in the order the guard reads them)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, list[str]]] = [
    ("resident entering, all fine", _in(), {}, "allow", []),
    ("resident leaving, all fine", _out(), {}, "allow", []),
    # 体温必测: 37.3 is a fever, 37.2 is not.
    ("fever at 37.3 exactly", _in(temperature="37.3"), {}, "deny", ["fever"]),
    ("37.2 is allowed", _in(temperature="37.2"), {}, "allow", []),
    ("fever when leaving is refused too", _out(temperature="38.5"), {}, "deny", ["fever"]),
    ("lowest temperature allowed", _in(temperature="34.0"), {}, "allow", []),
    ("missing temperature entering", _in(temperature=None), {}, "deny", ["temperature_missing"]),
    ("missing temperature leaving", _out(temperature=None), {}, "allow", []),
    # Health code.
    ("yellow code", _in(health_code="yellow"), {}, "deny", ["code_yellow"]),
    ("red code", _in(health_code="red"), {}, "deny", ["code_red"]),
    ("red code leaving", _out(health_code="red"), {}, "deny", ["code_red"]),
    # 口罩必戴.
    ("no mask", _in(mask=False), {}, "deny", ["no_mask"]),
    ("no mask, fever and red code: every reason", _in(mask=False, temperature="39.0", health_code="red"), {},
     "deny", ["no_mask", "fever", "code_red"]),
    # Movement restriction: may not leave, may come home.
    ("restricted leaving", _out(), {"restricted": True}, "deny", ["movement_restricted"]),
    ("restricted entering", _in(), {"restricted": True}, "allow", []),
    # Containment level of the household's area.
    ("sealed leaving", _out(), {"level": "sealed"}, "deny", ["area_sealed"]),
    ("sealed entering (coming home)", _in(), {"level": "sealed"}, "allow", []),
    ("controlled area leaving", _out(), {"level": "controlled"}, "allow", []),
    ("restricted and sealed leaving", _out(), {"restricted": True, "level": "sealed"}, "deny",
     ["movement_restricted", "area_sealed"]),
    # Exit quota: only leaving counts.
    ("quota left", _out(), {"quota_left": 1}, "allow", []),
    ("quota used", _out(), {"quota_left": 0}, "deny", ["exit_quota_used"]),
    ("quota overdrawn", _out(), {"quota_left": -1}, "deny", ["exit_quota_used"]),
    ("quota used, entering", _in(), {"quota_left": 0}, "allow", []),
    ("no quota in force", _out(), {"quota_left": None}, "allow", []),
    # Visitors: same checks; refused when the host household is sealed.
    ("visitor entering", _in(), {"visitor": True}, "allow", []),
    ("visitor to a sealed host", _in(), {"visitor": True, "level": "sealed"}, "deny", ["host_sealed"]),
    ("visitor to a controlled host", _in(), {"visitor": True, "level": "controlled"}, "allow", []),
    ("visitor leaving a sealed host", _out(), {"visitor": True, "level": "sealed"}, "allow", []),
    ("visitor with fever", _in(temperature="37.5"), {"visitor": True}, "deny", ["fever"]),
    # A closed gate refuses everyone.
    ("closed gate entering", _in(), {"gate_closed": True}, "deny", ["gate_closed"]),
    ("closed gate leaving", _out(), {"gate_closed": True}, "deny", ["gate_closed"]),
    ("closed gate, visitor", _in(), {"gate_closed": True, "visitor": True}, "deny", ["gate_closed"]),
    # Identity problems: refused, first reason; the person's own standing is not consulted.
    ("unknown person", _in(), {"identity_problem": "unknown_person"}, "deny", ["unknown_person"]),
    ("revoked pass", _in(), {"identity_problem": "pass_revoked"}, "deny", ["pass_revoked"]),
    ("forged pass", _in(), {"identity_problem": "pass_invalid"}, "deny", ["pass_invalid"]),
    ("phone shared by several", _in(), {"identity_problem": "ambiguous_phone"}, "deny", ["ambiguous_phone"]),
    ("moved out", _in(), {"identity_problem": "not_active"}, "deny", ["not_active"]),
    ("lives in another compound", _out(), {"identity_problem": "other_compound"}, "deny", ["other_compound"]),
    ("unknown, restricted flags ignored", _out(), {"identity_problem": "unknown_person", "restricted": True,
                                                    "level": "sealed", "quota_left": 0}, "deny", ["unknown_person"]),
    ("unknown person with fever at a closed gate", _in(temperature="37.3"),
     {"identity_problem": "unknown_person", "gate_closed": True}, "deny", ["unknown_person", "gate_closed", "fever"]),
]


def _checks(raw: dict[str, Any]) -> Checks:
    t = raw["temperature"]
    return Checks(direction=raw["direction"], temperature=None if t is None else Decimal(t),
                  health_code=raw["health_code"], mask=raw["mask"])


def cases_json() -> str:
    """The table for the JavaScript copy of the rules."""
    return json.dumps([{"name": n, "checks": c, "standing": s, "decision": d, "reasons": r}
                       for n, c, s, d, r in CASES], ensure_ascii=False)


@pytest.mark.parametrize(("checks", "standing", "decision", "reasons"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_rules_table(checks: dict[str, Any], standing: dict[str, Any], decision: str, reasons: list[str]) -> None:
    verdict = decide(_checks(checks), Standing(**standing))
    assert (verdict.decision, list(verdict.reasons)) == (decision, reasons)
    assert verdict.allowed == (decision == "allow")


def test_case_names_are_unique_and_every_reason_is_covered() -> None:
    assert len({c[0] for c in CASES}) == len(CASES)
    covered = {r for c in CASES for r in c[4]}
    assert covered == set(REASON_MSGIDS), f"reasons without a case: {set(REASON_MSGIDS) - covered}"
    assert json.loads(cases_json())[2]["checks"]["temperature"] == "37.3"


@pytest.mark.parametrize(("reasons", "alert"), [
    (["fever"], True), (["code_yellow"], True), (["code_red"], True), (["movement_restricted"], True),
    (["area_sealed"], True), (["no_mask"], False), (["exit_quota_used"], False), (["unknown_person"], False),
    (["gate_closed"], False), ([], False),
])
def test_which_refusals_alert_staff(reasons: list[str], alert: bool) -> None:
    assert Verdict("deny" if reasons else "allow", tuple(reasons)).alert is alert


@pytest.mark.parametrize(("raw", "meant"), [
    ("36.5", "36.5"), ("365", "36.5"), ("3.65", "36.5"), ("36,5", "36.5"), ("36。5", "36.5"), ("37", "37.0"),
    ("373", "37.3"), (" 36.8 ", "36.8"), ("42.0", "42.0"), ("35", "35.0"),
    ("12", None), ("abc", None), ("", None), (None, None), ("-36.5", None), ("3650", None), ("500", None),
])
def test_suggest_temperature(raw: object, meant: str | None) -> None:
    expected = None if meant is None else Decimal(meant)
    assert suggest_temperature(raw) == expected


def test_reason_labels_are_translated_and_unknown_codes_pass_through() -> None:
    from django.utils import translation

    with translation.override("en"):
        assert reason_labels(["fever", "mystery"]) == ["fever (37.3 °C or above)", "mystery"]
    with translation.override("zh-hans"):
        label = reason_labels(["no_mask"])[0]
    assert label != "no mask" and label
