"""The demo's gates: gates per compound, the guard's post, shifts and duty, passes for everyone,
a few movement restrictions, a sealed unit with two permits and an exit quota, so that every rule shows
at a gate."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from shequ.accounts.models import User
from shequ.containment.models import (
    ContainmentArea,
    ExitQuota,
    Level,
    MovementRestriction,
    Permit,
    RestrictionKind,
)
from shequ.gates.models import Gate, GateGuard
from shequ.gates.services import gate_posts_ensure
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass
from shequ.registry.models import Community, Compound, Person, PersonTag, Room, Unit
from shequ.workforce.models import Assignment, Shift
from shequ.workforce.services import DEFAULT_SHIFTS

# compound kind -> gate names; the first gate is the main one.
GATE_NAMES = {
    Compound.Kind.GATED: ["东门", "南门", "北门"],
    Compound.Kind.OPEN: ["临时卡口1", "临时卡口2"],
    Compound.Kind.SINGLE_BUILDING: ["楼门"],
}
# (community code, compound, gate) of the gate1 post; the anchor household (9-2-502) lives behind it.
GUARD_POST = ("futong", "富通小区", "东门")
SEALED_UNIT = ("江南家园", "3", "1")  # building 3, unit 1 of 江南家园 is sealed in the demo
QUOTA_COMPOUND = "江南家园"


def build_gates(*, seed: int) -> dict[str, int]:
    rng = random.Random(seed + 3)
    now = timezone.now()
    today = timezone.localdate()
    gates: list[Gate] = []
    for compound in Compound.objects.order_by("community_id", "id"):
        names = GATE_NAMES[Compound.Kind(compound.kind)]
        if compound.kind == Compound.Kind.GATED and rng.random() < 0.5:
            names = names[:2]
        gates += [Gate(community_id=compound.community_id, compound=compound, name=n) for n in names]
    Gate.objects.bulk_create(gates)
    shifts: list[Shift] = []
    for community in Community.objects.all():
        shifts += [Shift(community=community, name=n, starts=s, ends=e) for n, s, e in DEFAULT_SHIFTS]
    Shift.objects.bulk_create(shifts)

    community_code, compound_name, gate_name = GUARD_POST
    post = Gate.objects.get(community__code=community_code, compound__name=compound_name, name=gate_name)
    guard = User.objects.get(username="gate1")
    GateGuard.objects.create(community_id=post.community_id, gate=post, user=guard)
    # gate1 covers every shift of the main gate this week, so the screen always shows someone on
    # duty; other gates stay unstaffed, which the secretary's roster page points out.
    posts = gate_posts_ensure(list(Gate.objects.select_related("compound")))
    duties = [
        Assignment(community_id=post.community_id, post=posts[post.pk], shift=shift,
                   date=today + dt.timedelta(days=d), user=guard)
        for d in range(-1, 7) for shift in Shift.objects.filter(community_id=post.community_id)
    ]
    Assignment.objects.bulk_create(duties)

    persons = list(Person.objects.filter(status=Person.Status.ACTIVE).only("id", "community_id"))
    Pass.objects.bulk_create(
        [Pass(community_id=p.community_id, person_id=p.pk, code=pass_tokens.new_code()) for p in persons], batch_size=1000
    )
    # A few persons in home quarantine (not the anchor household, whose members must pass).
    candidates = list(Person.objects.filter(community__code="futong", status=Person.Status.ACTIVE)
                      .exclude(household__room__number="502", household__room__unit__number="2",
                               household__room__unit__building__number="9")
                      .exclude(tags__tag=PersonTag.Tag.ELDERLY_ALONE).order_by("id").values_list("id", "community_id"))
    restrictions = [
        MovementRestriction(community_id=c, person_id=p, kind=RestrictionKind.HOME_QUARANTINE,
                            starts_at=now - dt.timedelta(days=3), ends_at=now + dt.timedelta(days=11),
                            reason="密接 (演示)")
        for p, c in rng.sample(candidates, 12)
    ]
    MovementRestriction.objects.bulk_create(restrictions)
    sealed_compound, sealed_building, sealed_unit = SEALED_UNIT
    sealed = Unit.objects.filter(building__compound__name=sealed_compound, building__number=sealed_building,
                                 number=sealed_unit).first()
    if sealed is not None:
        ContainmentArea.objects.create(community_id=sealed.community_id, level=Level.SEALED, unit=sealed,
                                       starts_at=now - dt.timedelta(days=2), reason="阳性病例所在单元 (演示)")
    quota_compound = Compound.objects.filter(name=QUOTA_COMPOUND).first()
    if quota_compound is not None:
        ExitQuota.objects.create(community_id=quota_compound.community_id, compound=quota_compound, persons=1,
                                 days=2, starts_at=now - dt.timedelta(days=1))
        ContainmentArea.objects.create(community_id=quota_compound.community_id, level=Level.CONTROLLED,
                                       compound=quota_compound, starts_at=now - dt.timedelta(days=1),
                                       reason="管控期 (演示)")
    permits = _demo_permits(unit=sealed, now=now) if sealed is not None else 0
    passages = _simulate_passages(rng=rng, gate=post, guard=guard, now=now)
    return {"gates": len(gates), "passes": len(persons), "restrictions": len(restrictions), "passages": passages,
            "permits": permits}


def _demo_permits(*, unit: Unit, now: dt.datetime) -> int:
    """Two permits in the sealed unit, approved by the secretary: a resident who goes to dialysis
    three times a week, and the heating engineer called to a flat there (issue 9.4, seed 000)."""
    approver = User.objects.filter(username="secretary").first()
    rooms = [r for r in Room.objects.filter(unit=unit).order_by("-floor", "-number")
             if Person.objects.filter(household__room=r, status=Person.Status.ACTIVE).exists()]
    if approver is None or len(rooms) < 2:
        return 0
    patient = Person.objects.filter(household__room=rooms[0], status=Person.Status.ACTIVE).order_by("-id").first()
    Permit.objects.bulk_create([
        Permit(community_id=unit.community_id, person=patient, room=rooms[0], status=Permit.Status.APPROVED,
               reason="血液透析（每周一、三、五），市人民医院 (演示)", starts_at=now - dt.timedelta(days=1),
               ends_at=now + dt.timedelta(days=13), decided_by=approver, decided_at=now - dt.timedelta(days=1),
               created_by=approver),
        Permit(community_id=unit.community_id, visitor_name="王师傅", visitor_phone="13907150466", room=rooms[1],
               status=Permit.Status.APPROVED, reason="供暖管道维修，物业报修 (演示)",
               starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=2), decided_by=approver,
               decided_at=now - dt.timedelta(hours=1), created_by=approver),
    ])
    return 2


def _simulate_passages(*, rng: random.Random, gate: Gate, guard: User, now: dt.datetime) -> int:
    """Yesterday and today at the main gate, through the same service as the screen: residents going
    out and coming back, a few refused (fever, a yellow code, a quarantined person trying to leave), so
    the ledger, who-is-out, the hourly counts and the alerts have something to show."""
    import uuid

    from shequ.gates.services import Checks, record_passage

    people = list(Person.objects.filter(household__room__unit__building__compound_id=gate.compound_id,
                                        status=Person.Status.ACTIVE)
                  .select_related("household__room__unit__building__compound").order_by("id"))
    restricted = {r.person_id for r in MovementRestriction.objects.filter(person__in=people)}
    free = [p for p in people if p.pk not in restricted]
    start = now - dt.timedelta(hours=30)
    count = 0
    for person in rng.sample(free, min(120, len(free))):
        out_at = start + dt.timedelta(minutes=rng.randrange(0, 28 * 60))
        back_at = out_at + dt.timedelta(minutes=rng.randrange(20, 240))
        trips = [("out", out_at)] + ([("in", back_at)] if back_at < now and rng.random() < 0.8 else [])
        for direction, at in trips:
            temperature = Decimal(rng.choice(["36.2", "36.4", "36.5", "36.6", "36.8"]))
            code = "green"
            if direction == "in" and rng.random() < 0.03:
                temperature = Decimal("37.8")
            if direction == "in" and rng.random() < 0.02:
                code = "yellow"
            record_passage(gate=gate, actor=guard, checks=Checks(direction, temperature, code, True),
                           client_id=uuid.UUID(int=rng.getrandbits(128)), recorded_at=at, person=person)
            count += 1
    for person in [p for p in people if p.pk in restricted][:2]:
        record_passage(gate=gate, actor=guard, checks=Checks("out", Decimal("36.5"), "green", True),
                       client_id=uuid.UUID(int=rng.getrandbits(128)), recorded_at=now - dt.timedelta(hours=2),
                       person=person)
        count += 1
    return count
