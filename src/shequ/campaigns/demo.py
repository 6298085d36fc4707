"""Demo campaigns for 富通社区, as of the third round of January 26, 2022 ("入户第三轮核酸检测").

- 第二轮核酸检测 over 富通小区, closed: almost everyone sampled, ten to a tube, all negative;
- 第三轮核酸检测 over 富通小区, open: two sampling points, most people sampled, one 10-in-1 tube
  positive (its ten people on the re-test list, an alert raised), the rest waiting for results; a
  few exemptions; the people under home quarantine not sampled yet (the door-to-door list);
- 入户排查 of grid 1, open: a third of the households visited.

Written through the services (the same code paths as the pages), so it shows what a real round
leaves behind. To load it with the demo, call ``build_campaigns(seed=seed)`` at the end of
``ops.demo_data.build_demo`` (after ``build_gates``, which sets the restrictions it relies on).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from django.utils import timezone

from shequ.campaigns import services
from shequ.campaigns.models import ExemptReason, Kind, Target, VisitOutcome
from shequ.containment.models import MovementRestriction
from shequ.containment.selectors import in_force
from shequ.core.temperature import parse_temperature
from shequ.registry.models import Community, Compound, Grid, Person


def _tubes(campaign: Any, persons: list[Person], prefix: str, at: dt.datetime) -> list[Any]:
    tubes = []
    for i in range(0, len(persons), 10):
        chunk = persons[i:i + 10]
        reg = services.tube_register(actor=None, campaign=campaign, code=f"{prefix}{i // 10 + 1:05d}", pooling=10,
                                     samples=[services.SampleIn(uuid.uuid4(), p) for p in chunk], sampled_at=at,
                                     close=True)
        tubes.append(reg.tube)
    return tubes


def build_campaigns(*, seed: int) -> dict[str, int]:
    rng = random.Random(seed + 7)
    community = Community.objects.get(code="futong")
    compound = Compound.objects.get(community=community, name="富通小区")
    now = timezone.now()
    persons = list(Person.objects.filter(household__room__unit__building__compound=compound, status="active",
                                         household__status="active").select_related("household__room__unit")
                   .order_by("household__room__unit__building__sort_key", "household__room__unit__sort_key",
                             "household__room__floor", "household__room__number", "id"))
    # Round 2, two days ago, closed.
    second = services.campaign_create(actor=None, community=community, name="第二轮核酸检测", kind=Kind.TEST_ROUND,
                                      starts_on=timezone.localdate() - dt.timedelta(days=2), compounds=[compound])
    second = services.campaign_open(actor=None, campaign=second)
    sampled = [p for p in persons if rng.random() < 0.97]
    for tube in _tubes(second, sampled, "R2-", now - dt.timedelta(days=2)):
        services.tube_result_set(actor=None, tube=tube, result="negative", at=now - dt.timedelta(days=1, hours=20))
    services.campaign_close(actor=None, campaign=second)

    # Round 3, today, open.
    third = services.campaign_create(actor=None, community=community, name="第三轮核酸检测", kind=Kind.TEST_ROUND,
                                     starts_on=timezone.localdate(), compounds=[compound])
    third = services.campaign_open(actor=None, campaign=third)
    buildings = list(compound.buildings.order_by("sort_key"))
    start = timezone.localtime(now).replace(hour=8, minute=0, second=0, microsecond=0)
    for name, served in (("东门广场采样点", buildings[: len(buildings) // 2]),
                         ("南门采样点", buildings[len(buildings) // 2:])):
        services.point_create(actor=None, campaign=third, name=name, location=name[:2],
                              slots=[(start, start + dt.timedelta(hours=10), served)])
    restricted = set(MovementRestriction.objects.filter(in_force(now)).values_list("person_id", flat=True))
    comes_down = [p for p in persons if p.pk not in restricted and rng.random() < 0.85]
    tubes = _tubes(third, comes_down, "R3-", now - dt.timedelta(hours=3))
    full = [t for t in tubes if t.size == 10]
    positive = full[len(full) // 3] if full else None
    for tube in tubes[: len(tubes) * 2 // 3]:
        services.tube_result_set(actor=None, tube=tube, result="positive" if tube == positive else "negative",
                                 at=now - dt.timedelta(minutes=30))
    missing = list(Target.objects.filter(campaign=third, reached_at__isnull=True).order_by("id")[:4])
    for target, reason, note in zip(missing, (ExemptReason.IN_HOSPITAL, ExemptReason.AWAY, ExemptReason.AWAY,
                                              ExemptReason.IN_HOSPITAL),
                                    ("市中心医院住院", "在长春，有核酸证明", "出差，有行程卡", "透析住院"),
                                    strict=False):
        services.target_exempt(actor=None, target=target, reason=reason, note=note)

    # Door-to-door screening of grid 1, a third of the way through.
    grid = Grid.objects.get(community=community, number=1)
    screening = services.campaign_create(actor=None, community=community, name="第一网格入户排查",
                                         kind=Kind.SCREENING, starts_on=timezone.localdate(), grid=grid)
    screening = services.campaign_open(actor=None, campaign=screening)
    visits = 0
    for th in screening.target_households.select_related("household").order_by("building_id", "unit_id", "floor")[::3]:
        members = list(th.household.persons.filter(status="active"))
        if rng.random() < 0.15:
            services.visit_record(actor=None, campaign=screening, household=th.household,
                                  outcome=VisitOutcome.NOBODY_HOME, notes="敲门无人应答")
        else:
            services.visit_record(actor=None, campaign=screening, household=th.household, outcome=VisitOutcome.VISITED,
                                  present={p.pk: parse_temperature(f"36.{rng.randrange(2, 9)}")
                                           for p in members})
        visits += 1
    return {"campaigns": 3, "tubes": len(tubes), "visits": visits}
