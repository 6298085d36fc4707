"""Words on the campaign pages (issue 9.9): a round and a sampling point have a 名称, not a 姓名; a
round's scope reads as places (富通小区 9–16号楼, not 富通小区 eight times); the lab import counts
rejected rows, not problems; grids are in their order."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from shequ.accounts.access import scope_for
from shequ.campaigns import places, results, selectors, services
from shequ.campaigns.forms import CampaignForm, PointForm
from shequ.campaigns.models import Campaign, SamplingPoint
from shequ.registry.models import Building, Community, Compound, Grid, Unit
from tests.campaigns.conftest import open_round, sample_in
from tests.campaigns.test_services import active_persons

pytestmark = pytest.mark.django_db


def _compound() -> Compound:
    return Compound.objects.get(community__code="futong", name="富通小区")


def _buildings(*numbers: str) -> list[Building]:
    return list(Building.objects.filter(compound=_compound(), number__in=numbers))


def _draft(secretary: Any, **places_: Any) -> Campaign:
    return services.campaign_create(actor=secretary, community=Community.objects.get(code="futong"), name="范围",
                                    kind="test_round", starts_on=__import__("datetime").date(2022, 1, 26), **places_)


def test_a_round_and_a_sampling_point_have_a_name_not_a_persons_name(secretary: Any) -> None:
    community = Community.objects.get(code="futong")
    with translation.override("zh-hans"):
        assert str(CampaignForm(community=community).fields["name"].label) == "名称"
        assert str(PointForm(community=community).fields["name"].label) == "名称"
        assert str(Campaign._meta.get_field("name").verbose_name) == "名称"
        assert str(SamplingPoint._meta.get_field("name").verbose_name) == "名称"


@pytest.mark.parametrize(("numbers", "zh", "en"), [
    ([str(n) for n in range(9, 17)], "富通小区 9–16号楼", "富通小区 buildings 9–16"),
    (["1", "2", "9"], "富通小区 1、2、9号楼", "富通小区 buildings 1, 2, 9"),
    (["9"], "富通小区 9号楼", "富通小区 building 9"),
    (["1", "2", "3", "5", "6", "7", "20"], "富通小区 1–3、5–7、20号楼", "富通小区 buildings 1–3, 5–7, 20"),
])
def test_a_scope_of_buildings_reads_as_ranges(secretary: Any, numbers: list[str], zh: str, en: str) -> None:
    campaign = _draft(secretary, buildings=_buildings(*numbers))
    with translation.override("zh-hans"):
        assert places.scope_labels(campaign) == [zh]
    with translation.override("en"):
        assert places.scope_labels(campaign) == [en]


def test_a_scope_of_compounds_units_or_a_grid(secretary: Any) -> None:
    units = list(Unit.objects.filter(building__compound=_compound(), building__number="9").order_by("sort_key")[:2])
    assert len(units) == 2
    grid = Grid.objects.get(community__code="futong", number=1)
    with translation.override("zh-hans"):
        assert places.scope_labels(_draft(secretary, compounds=[_compound()])) == ["富通小区"]
        assert places.scope_labels(_draft(secretary, units=units)) == [
            f"富通小区 9号楼{units[0].number}、{units[1].number}单元"]
        assert places.scope_labels(_draft(secretary, grid=grid)) == ["第一网格"]
        assert places.scope_labels(_draft(secretary)) == ["全社区"]
    with translation.override("en"):
        assert places.scope_labels(_draft(secretary, units=units)) == [
            f"富通小区 building 9 units {units[0].number}, {units[1].number}"]


def test_the_round_page_shows_its_scope_once(login: Any, secretary: Any) -> None:
    campaign = _draft(secretary, buildings=_buildings(*[str(n) for n in range(9, 17)]))
    html = login("secretary").get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "富通小区 9–16号楼" in html and html.count("富通小区") == 1
    listing = login("secretary").get(reverse("campaigns:list")).content.decode()
    assert "富通小区 9–16号楼" in listing


def test_the_lab_import_counts_rejected_rows_and_lists_each_rows_problems(login: Any, test_round: Any,
                                                                         building9: Any, secretary: Any) -> None:
    persons = active_persons(building9)
    services.tube_register(actor=secretary, campaign=test_round, code="W1", pooling=5,
                           samples=[sample_in(p) for p in persons[:5]])
    data = "\n".join(["管号,结果,时间", "W1,阴性,2022-11-12 18:30",
                      "NOPE,maybe,tomorrow",  # one row, three problems
                      "NOPE2,阴性,2022-11-12 18:30"]).encode()
    report = results.results_import(actor=secretary, campaign=test_round, file=data, filename="r.csv")
    assert (report.rows, report.imported, report.rejected) == (3, 1, 2)
    assert [(row, len(problems)) for row, problems in report.problems_by_row] == [(3, 3), (4, 1)]
    upload = io.BytesIO(data.replace(b"W1,", b"W1,"))
    upload.name = "r.csv"
    page = login("staff").post(reverse("campaigns:results", args=[test_round.pk]), {"file": upload})
    html = page.content.decode()
    assert '<strong class="rejected">2</strong>' in html
    assert html.count('<tr class="bad-row">') == 2


def test_grids_are_in_their_order_in_the_coverage(secretary: Any) -> None:
    campaign = open_round(secretary)  # the whole community
    numbers = [Grid.objects.get(pk=r.key).number for r in selectors.coverage(scope_for(secretary), campaign).grids
               if r.key]
    assert numbers == sorted(numbers) and len(numbers) > 2
