"""Reads of notices: the community's list, one notice, the households it reaches, its door-knock
list, its WeChat texts, and a resident's notices. The only place notices' models are scoped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.masking import mask_name
from shequ.core.scoping import Scope
from shequ.notices.models import InPerson, Knock, Notice
from shequ.registry import selectors as registry
from shequ.registry.models import Building, Household, Person

ELDERLY_AGE = 70  # a household where everyone is this old or older is told in person


def notice_list(scope: Scope, *, status: str | None = None) -> QuerySet[Notice]:
    qs = scope.filter(Notice.objects.select_related("community")).order_by("-created_at", "-id")
    return qs.filter(status=status) if status else qs


def notice_get(scope: Scope, pk: int) -> Notice:
    """A notice of the caller's communities: every status for those who write them, published or
    withdrawn ones for the community's other members (drafts are nobody else's business)."""
    found = scope.filter(Notice.objects.filter(pk=pk)).first()
    if found is None:
        found = scope.filter(Notice.objects.filter(pk=pk).exclude(status=Notice.Status.DRAFT), variant="member").first()
    if found is None:
        raise Http404
    return found


def published_for_members(scope: Scope) -> QuerySet[Notice]:
    return scope.filter(Notice.objects.filter(status=Notice.Status.PUBLISHED), variant="member").order_by(
        "-published_at", "-id")


def target_q(notice: Notice, prefix: str = "") -> Q:
    """The households a notice reaches, as a filter on Household (``prefix`` for a related model)."""
    p = prefix
    units, buildings = list(notice.units.values_list("id", flat=True)), list(notice.buildings.values_list("id", flat=True))
    compounds, grids = list(notice.compounds.values_list("id", flat=True)), list(notice.grids.values_list("id", flat=True))
    q = Q(**{f"{p}community_id": notice.community_id})
    if not (units or buildings or compounds or grids):
        return q
    reach = Q(pk__in=[])
    if units:
        reach |= Q(**{f"{p}room__unit_id__in": units})
    if buildings:
        reach |= Q(**{f"{p}room__unit__building_id__in": buildings})
    if compounds:
        reach |= Q(**{f"{p}room__unit__building__compound_id__in": compounds})
    if grids:
        reach |= Q(**{f"{p}room__unit__building__grid_id__in": grids})
    return q & reach


def reached(notice: Notice) -> QuerySet[Household]:
    """Every household the notice reaches that lives there now (not scoped: counts for its writers)."""
    return Household.objects.filter(target_q(notice), status=Household.Status.ACTIVE)


def target_labels(notice: Notice) -> list[str]:
    labels = [c.name for c in notice.compounds.order_by("name")]
    labels += [f"{b.compound.name} {b}" for b in notice.buildings.select_related("compound").order_by("sort_key")]
    labels += [f"{u.building.compound.name} {u.building} {u}"
               for u in notice.units.select_related("building__compound").order_by("building__sort_key", "sort_key")]
    labels += [g.name for g in notice.grids.order_by("number")]
    return labels or [_("the whole community")]


def buildings_reached(notice: Notice) -> list[Building]:
    ids = reached(notice).values("room__unit__building_id")
    return list(Building.objects.filter(pk__in=ids).select_related("compound").order_by("compound__name", "sort_key"))


def wechat_text(notice: Notice, building: Building | None = None) -> str:
    """The text to paste into a building's WeChat group (or, without a building, any group)."""
    head = f"【{_('Notice')}】{notice.title}"
    if building is not None:
        head += f"（{building.compound.name} {building}）"
    when = timezone.localtime(notice.published_at or timezone.now()).date()
    tail = "\n".join(x for x in (notice.signed or notice.community.name, when.isoformat()) if x)
    return f"{head}\n\n{notice.body.strip()}\n\n{tail}"


@dataclass
class KnockRow:
    household_id: int
    address: str
    compound: str
    head: str
    reason: str
    outcome: str  # "" when nobody has been yet
    outcome_label: str
    note: str
    at: dt.datetime | None


def _cutoff(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ELDERLY_AGE, day=28)


def in_person_households(scope: Scope, notice: Notice, *, today: dt.date | None = None) -> QuerySet[Household]:
    """The targeted households the caller may see that are told in person: marked so (InPerson), no
    active person with a phone on record, or every active person 70 or older."""
    today = today or timezone.localdate()
    active = Person.objects.filter(household=OuterRef("pk"), status=Person.Status.ACTIVE)
    knock = Knock.objects.filter(notice=notice, household=OuterRef("pk"))
    qs = (registry.with_head(registry.households_qs(scope))
          .filter(target_q(notice), status=Household.Status.ACTIVE)
          .annotate(marked=Exists(InPerson.objects.filter(household=OuterRef("pk"))),
                    mark_reason=Subquery(InPerson.objects.filter(household=OuterRef("pk")).values("reason")[:1]),
                    has_phone=Exists(active.exclude(phone="")),
                    anyone=Exists(active),
                    younger=Exists(active.filter(Q(birth_date__isnull=True) | Q(birth_date__gt=_cutoff(today)))),
                    knocked=Subquery(knock.values("outcome")[:1]),
                    knock_note=Subquery(knock.values("note")[:1]),
                    knock_at=Subquery(knock.values("at")[:1])))
    return qs.filter(Q(marked=True) | Q(anyone=True, has_phone=False) | Q(anyone=True, younger=False))


def door_knock_list(scope: Scope, notice: Notice, *, today: dt.date | None = None) -> list[KnockRow]:
    rows = []
    outcomes = dict(Knock.Outcome.choices)
    qs = in_person_households(scope, notice, today=today).order_by(
        "room__unit__building__compound__name", "room__unit__building__sort_key", "room__unit__sort_key",
        "room__floor", "room__number", "id")
    for h in qs:
        h_any: Any = h
        if h_any.marked:
            reason = h_any.mark_reason or _("told in person")
        elif not h_any.has_phone:
            reason = _("no phone on record")
        else:
            reason = _("everyone %(age)s or older") % {"age": ELDERLY_AGE}
        rows.append(KnockRow(
            household_id=h.pk, address=h.room.address, compound=h.room.unit.building.compound.name,
            head=mask_name(h_any.head_name) if h_any.head_name else "", reason=reason, outcome=h_any.knocked or "",
            outcome_label=str(outcomes.get(h_any.knocked, "")) if h_any.knocked else "", note=h_any.knock_note or "",
            at=h_any.knock_at))
    return rows


def knock_counts(rows: list[KnockRow]) -> dict[str, int]:
    told = sum(1 for r in rows if r.outcome == Knock.Outcome.TOLD)
    away = sum(1 for r in rows if r.outcome == Knock.Outcome.NOT_HOME)
    return {"total": len(rows), "told": told, "not_home": away, "left": len(rows) - told}


def mine(scope: Scope) -> list[Notice]:
    """A resident's notices: the published ones that reach one of their households."""
    households = list(registry.households_qs(scope).filter(status=Household.Status.ACTIVE))
    if not households:
        return []
    out = []
    for notice in published_for_members(scope).prefetch_related("compounds", "buildings", "units", "grids")[:200]:
        if reached(notice).filter(pk__in=[h.pk for h in households]).exists():
            out.append(notice)
    return out


def in_person_list(scope: Scope) -> QuerySet[InPerson]:
    return scope.filter(InPerson.objects.select_related("household__room__unit__building__compound")).order_by(
        "household__room__unit__building__compound__name", "household__room__unit__building__sort_key",
        "household__room__number")
