"""Grids are listed 第一、第二、第三 (their numbers' order) everywhere, not in their names' order
(第一、第三、第二: 三 U+4E09 sorts before 二 U+4E8C)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.registry.models import Grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def numbered() -> list[str]:
    names = list(Grid.objects.filter(community__code="futong").order_by("number").values_list("name", flat=True))
    assert names[:3] == ["第一网格", "第二网格", "第三网格"] and sorted(names) != names  # the names sort otherwise
    return names


def _in_page_order(html: str, names: list[str]) -> list[str]:
    found = sorted(((m.start(), n) for n in names for m in re.finditer(re.escape(n), html)), key=lambda t: t[0])
    seen: list[str] = []
    for _at, name in found:
        if name not in seen:
            seen.append(name)
    return seen


@pytest.mark.parametrize("route", ["registry:grids", "registry:persons", "registry:special", "gates:passes"])
def test_the_pages_that_list_grids_list_them_by_number(login: Any, numbered: list[str], route: str) -> None:
    html = login("secretary").get(reverse(route)).content.decode()
    assert _in_page_order(html, numbered) == numbered


def test_a_campaigns_coverage_lists_grids_by_number(login: Any, users: dict[str, Any], numbered: list[str]) -> None:
    from tests.campaigns.conftest import open_round

    campaign = open_round(users["secretary"], name="全社区核酸")
    html = login("secretary").get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert _in_page_order(html, numbered) == numbered
