"""The one rule for when a campaign target is *reached*.

Every path that confirms a person in a round calls ``targets_reach``: a screening visit that finds
them present, a sample registered for them (the sampling page, the device API, the offline queue),
and nothing else. The rule:

- A person confirmed who is not a target yet is added as one (``added_mid_round``), then reached.
- ``reached_at`` is the earliest confirmation: a later visit or sample keeps it, and a sample synced
  late from a phone's offline queue with an earlier ``sampled_at`` moves it back to that time.
- A temperature taken at the confirmation replaces the stored one; a confirmation without a
  temperature keeps the stored one (a revisit with no thermometer empties nothing).
- An exemption does not change ``reached_at``: a person exempted and confirmed after all counts as
  reached. Exemptions found at a visit (moved out, deceased) go only to targets not reached yet
  (``targets_exempt_unreached``).
- A lab result changes nothing here: a person whose tube is positive or invalid was reached; the
  re-test list says what happens next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import DateTimeField, DecimalField, F, Q, Value
from django.db.models.functions import Coalesce, Least

from shequ.campaigns.models import Campaign, Target
from shequ.registry.models import Person


def targets_reach(*, campaign: Campaign, persons: Iterable[Person], at: dt.datetime,
                  temperatures: Mapping[int, Decimal | None] | None = None) -> None:
    """Mark these persons' targets reached at ``at`` (see the module's rule). One UPDATE when
    every person is a target already and no temperature is given, which is the sampling case."""
    from shequ.campaigns.services import target_add

    people = {p.pk: p for p in persons}
    if not people:
        return
    when = Value(at, output_field=DateTimeField())
    # LEAST ignores NULL on PostgreSQL and returns NULL on SQLite: the Coalesce makes both "at".
    earliest = Coalesce(Least(F("reached_at"), when), when)
    readings = {pid: t for pid, t in (temperatures or {}).items() if t is not None and pid in people}
    plain = [pid for pid in people if pid not in readings]
    updated = 0
    if plain:
        updated += Target.objects.filter(campaign=campaign, person_id__in=plain).update(reached_at=earliest)
    for pid, temperature in readings.items():
        updated += Target.objects.filter(campaign=campaign, person_id=pid).update(
            reached_at=earliest, temperature=Value(temperature, output_field=DecimalField(max_digits=3,
                                                                                         decimal_places=1)))
    if updated < len(people):
        # Rare: someone confirmed who was not targeted at the opening (looked up only then).
        targeted = set(Target.objects.filter(campaign=campaign, person_id__in=list(people))
                       .values_list("person_id", flat=True))
        for pid, person in people.items():
            if pid not in targeted:
                target = target_add(campaign=campaign, person=person)
                fields: dict[str, Any] = {"reached_at": at}
                if pid in readings:
                    fields["temperature"] = readings[pid]
                Target.objects.filter(pk=target.pk).update(**fields)


def targets_exempt_unreached(*, campaign: Campaign, where: Q, reason: str) -> int:
    """Exempt the targets matching ``where`` that are not reached yet (a person found moved out or
    deceased at a visit); reached targets stay reached."""
    return Target.objects.filter(where, campaign=campaign, reached_at__isnull=True).update(exempt_reason=reason)
