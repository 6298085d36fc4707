"""The gate screen's offline bundle: what a screen needs to decide at its gate without the server.

For each active person living behind the gate (its compound): the full pass token (an offline scan
is matched exactly), the masked name, the household, and whether a movement restriction is in force;
for each of their households: the short address, the containment level and the exits left in the
compound's exit quota; for each person with a permit covering their home that is not over yet: its
window and who approved it (rules.js applies it only inside its window). Plus the rule constants
and the reason labels in the user's language.

What the bundle never holds: ID numbers, phone numbers, full names. It sits in the browser's
storage of the guard's phone, so it holds only what the gate shows anyway.

Built in a fixed number of queries whatever the size of the compound (persons, passes, restrictions,
containment areas, quota and its used exits), not one per person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone

from shequ.containment.selectors import (
    levels_for_units,
    permits_for_persons,
    quota_in_force,
    restrictions_in_force,
)
from shequ.core.masking import mask_name
from shequ.gates.models import Decision, Direction, Gate, Passage
from shequ.gates.rules import FEVER_AT, TEMPERATURE_MAX, TEMPERATURE_MIN, reason_labels
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass
from shequ.registry.models import Person

# Bumped when the shape changes, so that a screen holding an older bundle fetches a new one
# (screen.js has the same number). 2: permits.
BUNDLE_VERSION = 2


def _exits_used_by_household(*, compound_id: int, household_ids: list[int], since: dt.datetime,
                             until: dt.datetime) -> dict[int, int]:
    """household id -> allowed exits in (since, until]: ``services.exits_used`` for many households
    in one grouped query (same filter, so the two cannot count differently)."""
    rows = (
        Passage.objects.filter(
            household_id__in=household_ids, direction=Direction.OUT, decision=Decision.ALLOW, visitor__isnull=True,
            gate__compound_id=compound_id, recorded_at__gt=since, recorded_at__lte=until,
        )
        .values_list("household_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def bundle_for_gate(gate: Gate, *, at: dt.datetime | None = None) -> dict[str, Any]:
    """The offline bundle of one gate (see the module docstring). ``gate`` comes from a scoped
    selector: this function does no access check of its own."""
    at = at or timezone.now()
    rows = list(
        Person.objects.filter(
            community_id=gate.community_id, status=Person.Status.ACTIVE,
            household__room__unit__building__compound_id=gate.compound_id,
        )
        .order_by("household_id", "id")
        .values_list("id", "name", "household_id", "household__room__unit_id", "household__room__unit__building__number",
                     "household__room__unit__number", "household__room__number", "household__room_id",
                     "household__room__unit__building_id")
    )
    person_ids = [r[0] for r in rows]
    codes = dict(
        Pass.objects.filter(
            community_id=gate.community_id, revoked_at__isnull=True,
            person__household__room__unit__building__compound_id=gate.compound_id,
        ).values_list("person_id", "code")
    )
    restricted = set(restrictions_in_force(person_ids, at))
    units = {r[2]: r[3] for r in rows}  # household -> unit
    levels = levels_for_units(set(units.values()), at)
    quota = quota_in_force(gate.compound_id, at)
    quota_left: dict[int, int] = {}
    if quota is not None:
        # The period on both sides of ``at``, as services.standing_of counts it.
        period = dt.timedelta(days=quota.days)
        used = _exits_used_by_household(compound_id=gate.compound_id, household_ids=list(units),
                                        since=at - period, until=at + period)
        quota_left = {h: quota.persons - used.get(h, 0) for h in units}

    permits_of = permits_for_persons(person_ids, at)
    permits: dict[str, list[dict[str, Any]]] = {}
    households: dict[str, dict[str, Any]] = {}
    persons: list[dict[str, Any]] = []
    for person_id, name, household_id, unit_id, building, unit, room, room_id, building_id in rows:
        covering = [p for p in permits_of.get(person_id, ())
                    if p.covers(room_id=room_id, unit_id=unit_id, building_id=building_id, compound_id=gate.compound_id)]
        if covering:
            permits[str(person_id)] = [{"id": p.pk, "by": p.approver, "starts_at": p.starts_at.isoformat(),
                                        "ends_at": p.ends_at.isoformat()} for p in covering]
        if str(household_id) not in households:
            households[str(household_id)] = {
                "address": f"{building}-{unit}-{room}",
                "level": levels.get(unit_id),
                "quota_left": quota_left.get(household_id) if quota is not None else None,
            }
        code = codes.get(person_id)
        persons.append({
            "id": person_id,
            "token": pass_tokens.token_for(code) if code else None,
            "name": mask_name(name),
            "household": household_id,
            "restricted": person_id in restricted,
        })
    return {
        "version": BUNDLE_VERSION,
        "gate": {"id": gate.pk, "name": gate.name, "compound": gate.compound.name, "closed": gate.status == Gate.Status.CLOSED},
        "generated_at": at.isoformat(),
        "rules": {
            "fever_at": str(FEVER_AT),
            "temperature_min": str(TEMPERATURE_MIN),
            "temperature_max": str(TEMPERATURE_MAX),
            "quota": {"persons": quota.persons, "days": quota.days} if quota is not None else None,
        },
        "households": households,
        "persons": persons,
        "permits": permits,
    }


def reason_label_table() -> dict[str, str]:
    """reason code -> label in the active language, for the screen's local verdicts."""
    from shequ.gates.rules import REASONS

    codes = list(REASONS)
    return dict(zip(codes, reason_labels(codes), strict=True))
