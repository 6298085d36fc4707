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
    # Permits lift containment, and nothing else.
    ("a permit lets a restricted person leave a sealed area past the quota",
     {"direction": "out", "temperature": None, "health_code": "green", "mask": True},
     {"restricted": True, "level": "sealed", "quota_left": 0, "permit": 7}, []),
    ("a permit does not lift a fever or a red code",
     {"direction": "out", "temperature": "38.0", "health_code": "red", "mask": True},
     {"restricted": True, "permit": 7}, ["fever", "code_red"]),
    ("a permit does not open a closed gate", {"direction": "out", "temperature": None, "health_code": "green",
                                               "mask": False}, {"level": "sealed", "permit": 7, "gate_closed": True},
     ["gate_closed", "no_mask"]),
    ("a permit does not identify anyone", {"direction": "out", "temperature": None, "health_code": "green",
                                            "mask": True}, {"identity_problem": "pass_revoked", "permit": 7},
     ["pass_revoked"]),
    ("a visitor with a permit comes in to a sealed host",
     {"direction": "in", "temperature": "36.5", "health_code": "green", "mask": True},
     {"visitor": True, "level": "sealed", "permit": 7}, []),
    ("a permit with nothing to lift is not used", {"direction": "in", "temperature": "36.5", "health_code": "green",
                                                    "mask": True}, {"restricted": True, "permit": 7}, []),
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
    {"permit": 3},
    {"restricted": True, "permit": 3},
    {"level": "sealed", "quota_left": 0, "permit": 3},
    {"identity_problem": "unknown_person", "restricted": True, "permit": 3},
    {"visitor": True, "level": "sealed", "permit": 3},
    {"restricted": True, "level": "sealed", "permit": None},
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
    return {"decision": verdict.decision, "reasons": list(verdict.reasons), "alert": verdict.alert,
            "permit": verdict.permit}


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
            if case["name"].startswith("a permit") or "with a permit" in case["name"]:
                assert expected["permit"] is (case["name"] not in (
                    "a permit does not identify anyone", "a permit with nothing to lift is not used")), case["name"]
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


SCANS = [
    "", "36.7", "abc:def", "36.7" + "A" * 16 + ":" + "b" * 43, "A" * 16 + ":" + "b" * 43,
    "365" + "x-_9" * 4 + ":" + "S" * 43, "36x" + "Q" * 16 + ":" + "z" * 43, "Q" * 15 + ":" + "z" * 43,
    "Q" * 17 + ":" + "z" * 43, "Q" * 16 + ":" + "z" * 19, "Q" * 16 + ":" + "z" * 43 + " ", "Q" * 16 + ":" + "z/" * 20,
    "36.7 " + "Q" * 16 + ":" + "z" * 43, "Q" * 16 + ":" + "z" * 20 + ":" + "y" * 30,
]


def test_a_token_after_a_temperature_is_taken_apart_the_same_in_both(rules_page: Page) -> None:
    from shequ.passes.tokens import split_scan

    js = rules_page.evaluate("xs => xs.map(x => ShequRules.splitScan(x))", SCANS)
    for raw, got in zip(SCANS, js, strict=True):
        expected = split_scan(raw)
        assert got == (None if expected is None else {"before": expected[0], "token": expected[1]}), raw
    assert split_scan("36.7" + "A" * 16 + ":" + "b" * 43) == ("36.7", "A" * 16 + ":" + "b" * 43)
    assert split_scan("365" + "x-_9" * 4 + ":" + "S" * 43) == ("365", "x-_9" * 4 + ":" + "S" * 43)
    assert split_scan("36.7") is None


def test_the_rules_js_constants_are_the_python_ones() -> None:
    from shequ.gates import rules
    from shequ.passes import tokens as pass_tokens

    source = RULES_JS.read_text(encoding="utf-8")
    assert f"var PASS_CODE_LENGTH = {pass_tokens.CODE_LENGTH};" in source
    assert len(pass_tokens.new_code()) == pass_tokens.CODE_LENGTH
    for name in ("FEVER_AT", "TEMPERATURE_MIN", "TEMPERATURE_MAX"):
        match = re.search(rf'var {name} = "([\d.]+)";', source)
        assert match and Decimal(match.group(1)) == getattr(rules, name), name
    # Every reason code Python can give is a code rules.js knows how to give or pass through.
    for code in ("gate_closed", "no_mask", "temperature_missing", "fever", "code_yellow", "code_red",
                 "movement_restricted", "area_sealed", "exit_quota_used", "host_sealed"):
        assert f'"{code}"' in source, code


# Transactional like the other browser tests that use the database: pytest groups the tests that
# share the session's browser, and a database test among them must not pull transactional ones
# (which empty the database) in front of the plain ones.
@pytest.mark.django_db(transaction=True)
def test_the_offline_screen_decides_permits_like_the_server(rules_page: Page, world_tx: None) -> None:
    """A real bundle of a compound with a sealed unit, restrictions and a quota, and permits of
    every kind (in force, over, starting later, revoked, at another place): at several moments,
    rules.js's local standing and decision for each person leaving are the server's (standing_of
    and decide), permit included. The bundle is built once, as a screen holds it; permits start
    and end while it is held."""
    import datetime as dt

    from django.utils import timezone

    from shequ.accounts.models import User
    from shequ.containment.models import MovementRestriction, Permit, RestrictionKind
    from shequ.gates.models import Gate
    from shequ.gates.offline import bundle_for_gate
    from shequ.registry.models import Person, Unit

    now = timezone.now().replace(microsecond=0)
    gate = Gate.objects.select_related("compound").get(community__code="futong", compound__name="江南家园", name="东门")
    persons = list(Person.objects.filter(status="active", household__room__unit__building__compound=gate.compound)
                   .select_related("household__room__unit__building__compound").order_by("id"))
    sealed = [p for p in persons if (p.household.room.unit.building.number, p.household.room.unit.number) == ("3", "1")]
    sample = sealed[:12] + persons[:12]
    approver = User.objects.get(username="secretary")
    other_unit = Unit.objects.filter(building__compound=gate.compound).exclude(building__number="3").first()
    hour = dt.timedelta(hours=1)
    for i, p in enumerate(sample):
        room = p.household.room
        if i % 3 == 0:
            MovementRestriction.objects.create(community_id=p.community_id, person=p, kind=RestrictionKind.OTHER,
                                               starts_at=now - 5 * hour, ends_at=now + 5 * hour)
        place, starts, ends, status = [
            (room, -hour, hour, Permit.Status.APPROVED),  # in force now, over in an hour
            (room.unit.building, hour, 2 * hour, Permit.Status.APPROVED),  # later
            (room.unit, -3 * hour, -2 * hour, Permit.Status.APPROVED),  # over
            (room, -hour, 3 * hour, Permit.Status.REVOKED),
            (other_unit, -hour, 3 * hour, Permit.Status.APPROVED),  # not where they live
            (gate.compound, -hour, 3 * hour, Permit.Status.REQUESTED),  # not decided
            (None, None, None, None),  # none
        ][i % 7]
        if place is not None:
            Permit.objects.create(community_id=p.community_id, person=p, reason="test", status=status,
                                  **{place._meta.model_name: place}, starts_at=now + starts, ends_at=now + ends,
                                  decided_by=approver)
    bundle = bundle_for_gate(gate, at=now)
    checks = Checks(direction="out", temperature=None, health_code="green", mask=True)
    seen = set()
    for at in (now, now + dt.timedelta(minutes=30), now + 90 * dt.timedelta(minutes=1), now + 150 * dt.timedelta(minutes=1)):
        js = rules_page.evaluate(
            """([bundle, ids, at]) => ids.map(id => {
                const local = ShequRules.localStanding(bundle, {personId: id}, "out", 0, at);
                const verdict = ShequRules.decide({direction: "out", temperature: null, health_code: "green",
                                                   mask: true}, local.standing);
                return {decision: verdict.decision, reasons: verdict.reasons, permit: verdict.permit,
                        by: local.permit ? local.permit.by : null};
            })""", [bundle, [p.pk for p in sample], at.timestamp() * 1000])
        for p, got in zip(sample, js, strict=True):
            standing = services.standing_of(gate=gate, person=p, problem=None, at=at, direction="out")
            verdict = decide(checks, standing)
            expected = {"decision": verdict.decision, "reasons": list(verdict.reasons), "permit": verdict.permit}
            assert {k: got[k] for k in expected} == expected, (p.pk, at)
            if standing.permit is not None:  # the screen names the approver as the server does
                assert got["by"] == Permit.objects.get(pk=standing.permit).approver == (
                    approver.first_name or approver.username)
            seen.add((verdict.decision, verdict.permit))
    assert seen >= {("allow", True), ("deny", False)}
