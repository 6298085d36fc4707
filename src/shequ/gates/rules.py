"""The gate's rules: one pure function that every path uses.

The gate screen, the device API and the offline queue (when it syncs) all call ``decide`` with the
checks taken at the gate and the subject's ``Standing`` (what the server knows about them at that
moment). The offline screen carries a copy of the same table in gates/static/gates/rules.js; the
test ``tests/gates/test_screen_rules_js.py`` runs one table of cases against both.

The table, in order of the reasons given:
- an unidentified subject (unknown credential, revoked pass, moved out, other compound) is refused
  and should be registered as a visitor;
- a closed gate refuses everyone;
- "口罩必戴": no mask, refused;
- "体温必测": entering without a temperature is refused; 37.3 °C or above is a fever, refused;
- a yellow or red health code is refused;
- leaving: a person under a movement restriction, or living in a sealed area, may not leave; nor
  may a household that has used its exit quota;
- a visitor whose host household is in a sealed area is refused.
Fever, a yellow or red code, and a restricted person trying to leave alert the community staff.

A permit in force for the subject there (``Standing.permit``, containment.models.Permit) lifts the
containment reasons (PERMIT_LIFTS: restriction, sealed area, exit quota, sealed host) and nothing
else; the verdict then says the permit was used (``Verdict.permit``), so that the ledger records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# The one plausible range and parser of the system, and why it is what it is: core/temperature.py
# (re-exported here because the screen, its offline bundle and rules.js read the gate's rules here).
from shequ.core.temperature import (  # noqa: F401 - re-exported
    FEVER_AT,
    TEMPERATURE_MAX,
    TEMPERATURE_MIN,
    suggest_temperature,
)

# reason code -> what the guard reads. Codes are stored in the ledger; labels are translated on display
# (alerts store the English msgid and translate it for whoever reads them).
REASON_MSGIDS = {
    "unknown_person": gettext_noop("not in the registry: register as a visitor"),
    "pass_revoked": gettext_noop("pass revoked"),
    "pass_invalid": gettext_noop("pass not valid"),
    "ambiguous_phone": gettext_noop("several persons share this phone: look up by room"),
    "not_active": gettext_noop("moved out or deceased: register as a visitor"),
    "other_compound": gettext_noop("lives in another compound: register as a visitor"),
    "gate_closed": gettext_noop("gate closed"),
    "no_mask": gettext_noop("no mask"),
    "temperature_missing": gettext_noop("temperature not taken"),
    "fever": gettext_noop("fever (37.3 °C or above)"),
    "code_yellow": gettext_noop("yellow health code"),
    "code_red": gettext_noop("red health code"),
    "movement_restricted": gettext_noop("under a movement restriction: may not leave"),
    "area_sealed": gettext_noop("lives in a sealed area: may not leave"),
    "exit_quota_used": gettext_noop("the household's exit quota is used"),
    "host_sealed": gettext_noop("the host household is in a sealed area"),
}
REASONS = {code: _(text) for code, text in REASON_MSGIDS.items()}
ALERTING = frozenset({"fever", "code_yellow", "code_red", "movement_restricted", "area_sealed"})
# What a permit lets its holder through: containment, never identity, a closed gate or the health checks.
PERMIT_LIFTS = frozenset({"movement_restricted", "area_sealed", "exit_quota_used", "host_sealed"})
IDENTITY_PROBLEMS = frozenset({"unknown_person", "pass_revoked", "pass_invalid", "ambiguous_phone", "not_active",
                               "other_compound"})


@dataclass(frozen=True)
class Checks:
    """What the guard recorded."""

    direction: str  # "in" | "out"
    temperature: Decimal | None
    health_code: str  # "green" | "yellow" | "red"
    mask: bool


@dataclass(frozen=True)
class Standing:
    """What the server knows about the subject at the moment of the passage."""

    identity_problem: str | None = None  # one of IDENTITY_PROBLEMS
    visitor: bool = False
    gate_closed: bool = False
    restricted: bool = False  # a movement restriction in force
    level: str | None = None  # containment level of the household (or the visitor's host)
    quota_left: int | None = None  # exits left for the household in the quota period; None: no quota
    permit: int | None = None  # a permit in force for the subject at their home (or the visitor's host)


@dataclass(frozen=True)
class Verdict:
    decision: str  # "allow" | "deny"
    reasons: tuple[str, ...] = field(default_factory=tuple)
    permit: bool = False  # a permit lifted at least one reason (and is recorded with the passage)

    @property
    def alert(self) -> bool:
        return bool(ALERTING & set(self.reasons))

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"


def decide(checks: Checks, standing: Standing) -> Verdict:
    reasons: list[str] = []
    if standing.identity_problem:
        reasons.append(standing.identity_problem)
    if standing.gate_closed:
        reasons.append("gate_closed")
    if not checks.mask:
        reasons.append("no_mask")
    entering = checks.direction == "in"
    if checks.temperature is None:
        if entering:
            reasons.append("temperature_missing")
    elif checks.temperature >= FEVER_AT:
        reasons.append("fever")
    if checks.health_code == "yellow":
        reasons.append("code_yellow")
    elif checks.health_code == "red":
        reasons.append("code_red")
    contained: list[str] = []  # the containment reasons, which a permit lifts
    if standing.visitor:
        if entering and standing.level == "sealed":
            contained.append("host_sealed")
    elif not entering and not standing.identity_problem:
        if standing.restricted:
            contained.append("movement_restricted")
        if standing.level == "sealed":
            contained.append("area_sealed")
        if standing.quota_left is not None and standing.quota_left <= 0:
            contained.append("exit_quota_used")
    permitted = bool(contained) and bool(standing.permit)
    if not permitted:
        reasons += contained
    return Verdict("deny" if reasons else "allow", tuple(reasons), permitted)


def reason_labels(codes: list[str] | tuple[str, ...]) -> list[str]:
    return [str(REASONS.get(code, code)) for code in codes]
