"""A campaign's scope, and a sampling slot's buildings, as people say them: 富通小区 9–16号楼,
富通小区 9号楼1、2单元, 第一网格, the whole community.

Buildings chosen one by one are grouped per compound into runs: a run is a stretch of the
compound's own buildings (in their order) with none left out, so 9–16 means every building of the
compound from 9 to 16, even where a number was skipped when they were built.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.campaigns.models import Campaign, CampaignPlace
from shequ.registry.models import Building, Unit

# Three or more buildings in a row read as a range; two stay a list (9、10).
RUN = 3


def _runs(ordered: Sequence[Building], chosen: set[int]) -> list[str]:
    parts: list[str] = []
    for is_chosen, group in groupby(ordered, key=lambda b: b.pk in chosen):
        run = list(group)
        if not is_chosen:
            continue
        if len(run) >= RUN:
            parts.append(_("%(first)s–%(last)s") % {"first": run[0].number, "last": run[-1].number})
        else:
            parts.extend(b.number for b in run)
    return parts


def buildings_label(buildings: Iterable[Building], *, siblings: dict[int, list[Building]] | None = None) -> list[str]:
    """One label per compound: "富通小区 9–16号楼". ``siblings``: every building of each compound
    in order (read here when not given)."""
    chosen = list(buildings)
    if not chosen:
        return []
    compounds = {b.compound_id: b.compound for b in chosen}
    if siblings is None:
        siblings = _siblings(compounds)
    ids = {b.pk for b in chosen}
    labels = []
    for compound_id, compound in sorted(compounds.items(), key=lambda kv: kv[1].name):
        count = sum(1 for b in chosen if b.compound_id == compound_id)
        numbers = _(", ").join(_runs(siblings.get(compound_id, []), ids))
        labels.append(ngettext("%(compound)s building %(numbers)s", "%(compound)s buildings %(numbers)s", count)
                      % {"compound": compound.name, "numbers": numbers})
    return labels


def units_label(units: Iterable[Unit]) -> list[str]:
    """One label per building: "富通小区 9号楼1、2单元"."""
    labels = []
    ordered = sorted(units, key=lambda u: (u.building.compound.name, u.building.sort_key, u.building.number,
                                           u.sort_key, u.number))
    for _building, group in groupby(ordered, key=lambda u: u.building_id):
        run = list(group)
        building = run[0].building
        labels.append(ngettext("%(compound)s building %(building)s unit %(units)s",
                               "%(compound)s building %(building)s units %(units)s", len(run)) % {
            "compound": building.compound.name, "building": building.number,
            "units": _(", ").join(u.number for u in run)})
    return labels


def _siblings(compound_ids: Iterable[int]) -> dict[int, list[Building]]:
    found: dict[int, list[Building]] = {}
    for b in Building.objects.filter(compound_id__in=set(compound_ids)).order_by("compound_id", "sort_key", "number"):
        found.setdefault(b.compound_id, []).append(b)
    return found


def scope_labels(campaign: Campaign, *, rows: Sequence[CampaignPlace] | None = None,
                 siblings: dict[int, list[Building]] | None = None) -> list[str]:
    """What the campaign covers, as a few labels (``rows``: its places, ``siblings``: the buildings
    of their compounds, if already read)."""
    if campaign.grid is not None:
        return [campaign.grid.name]
    if rows is None:
        rows = list(campaign.places.select_related("compound", "building__compound", "unit__building__compound"))
    if not rows:
        return [_("the whole community")]
    # The places were read with their compound, building and unit: ``is not None`` costs no query.
    compounds = sorted((r.compound for r in rows if r.compound is not None), key=lambda c: c.name)
    return ([c.name for c in compounds]
            + buildings_label((r.building for r in rows if r.building is not None), siblings=siblings)
            + units_label(r.unit for r in rows if r.unit is not None))


def scope_labels_for(campaigns: Iterable[Campaign]) -> dict[int, list[str]]:
    """``scope_labels`` of many campaigns (the campaign list) in two or three queries."""
    campaigns = list(campaigns)
    rows: dict[int, list[CampaignPlace]] = {}
    for row in CampaignPlace.objects.filter(campaign__in=[c.pk for c in campaigns if c.grid_id is None]).select_related(
            "compound", "building__compound", "unit__building__compound").order_by("id"):
        rows.setdefault(row.campaign_id, []).append(row)
    compound_ids = {r.building.compound_id for rs in rows.values() for r in rs if r.building is not None}
    siblings = _siblings(compound_ids) if compound_ids else {}
    return {c.pk: scope_labels(c, rows=rows.get(c.pk, []), siblings=siblings) for c in campaigns}


def slot_buildings_label(buildings: Iterable[Any]) -> str:
    """The buildings a sampling slot calls down, in one line."""
    return _(", ").join(buildings_label(buildings))
