"""Grids drawn in the app: a new grid, its buildings ticked from the community's list, counts as
they go, audited (issue 18 item 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shequ.registry import services
from shequ.registry.models import Building, Community, Grid, Household

pytestmark = pytest.mark.django_db


def test_a_new_grid_is_drawn_from_the_buildings_and_audited(login: Any, audit_log: Any) -> None:
    futong = Community.objects.get(code="futong")
    client = login("secretary")
    form = client.get(reverse("registry:grid_new"))
    number = form.context["form"].initial["number"]
    assert not Grid.objects.filter(community=futong, number=number).exists()
    created = client.post(reverse("registry:grid_new"), {
        "submission_key": form.context["form"].initial["submission_key"], "number": number, "name": ""})
    grid = Grid.objects.get(community=futong, number=number)
    assert created["Location"] == reverse("registry:grid_draw", args=[grid.pk])
    # Two buildings of another grid, and one of them leaves its grid for this one.
    taken = list(Building.objects.filter(community=futong, grid__number=1).order_by("id")[:2])
    page = client.get(reverse("registry:grid_draw", args=[grid.pk]))
    assert page.status_code == 200 and page.context["buildings"] == 0
    client.post(reverse("registry:grid_draw", args=[grid.pk]), {"building": [b.pk for b in taken]})
    assert set(Building.objects.filter(grid=grid)) == set(taken)
    households = Household.objects.filter(room__unit__building__in=taken, status="active").count()
    page = client.get(reverse("registry:grid_draw", args=[grid.pk]))
    assert (page.context["buildings"], page.context["households"]) == (2, households)
    event = audit_log(action="update", object_type="grid")[-1]
    assert event.before == {"buildings": []} and event.after == {"buildings": sorted(b.pk for b in taken)}
    # Unticking one gives it back to no grid.
    client.post(reverse("registry:grid_draw", args=[grid.pk]), {"building": [taken[0].pk]})
    assert Building.objects.get(pk=taken[1].pk).grid is None


def test_the_grid_worker_of_a_drawn_grid_sees_its_buildings(login: Any, users: dict[str, Any]) -> None:
    grid2 = Grid.objects.get(community__code="futong", number=2)
    building = Building.objects.filter(community__code="futong", grid__number=1).order_by("id").first()
    grid1_worker, grid2_worker = login("grid1"), login("grid2")
    assert grid2_worker.get(reverse("registry:building", args=[building.pk])).status_code == 404
    services.grid_assign_buildings(actor=users["secretary"], grid=grid2,
                                   buildings=[*grid2.buildings.all(), building])
    assert grid2_worker.get(reverse("registry:building", args=[building.pk])).status_code == 200
    assert grid1_worker.get(reverse("registry:building", args=[building.pk])).status_code == 404


def test_a_building_of_another_community_cannot_join(users: dict[str, Any]) -> None:
    grid = Grid.objects.get(community__code="futong", number=1)
    other = Building.objects.filter(community__code="nanxincun").first()
    with pytest.raises(ValidationError):
        services.grid_assign_buildings(actor=users["secretary"], grid=grid, buildings=[other])


def test_a_grid_number_is_unique_in_its_community(users: dict[str, Any]) -> None:
    futong = Community.objects.get(code="futong")
    with pytest.raises(ValidationError):
        services.grid_create(actor=users["secretary"], community=futong, number=1)


def test_grid_workers_do_not_draw_grids(login: Any) -> None:
    grid = Grid.objects.get(community__code="futong", number=1)
    assert login("grid1").get(reverse("registry:grid_draw", args=[grid.pk])).status_code == 403
    assert login("outsider").get(reverse("registry:grid_draw", args=[grid.pk])).status_code == 404


def test_the_grid_form_asks_for_a_place_name_not_a_persons(login: Any) -> None:
    """名称 (a grid's name), not 姓名 (a person's), in Chinese; "name" in English."""
    client = login("secretary")
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("registry:grid_new")).content.decode()
    assert ">名称" in chinese and "姓名" not in chinese
    client.cookies["django_language"] = "en"
    assert ">name" in client.get(reverse("registry:grid_new")).content.decode()
