"""A floor plan says who needs attention first without relying on colour: each room's special
populations as a letter mark in a coloured box, the legend above the plan, and the populations in
words for a screen reader, in the reader's language (never the tag codes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from tests.htmlcheck import parse

pytestmark = pytest.mark.django_db


def _plan(login: Any, role: str, building: Any, language: str) -> Any:
    response = login(role).get(reverse("registry:building", args=[building.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return parse(response.content)


def _room_link(doc: Any, room: Any) -> Any:
    return next(a for a in doc.walk() if a.tag == "a" and a.attrs.get("href") in (
        reverse("registry:household", args=[h.pk]) for h in room.households.filter(status="active")))


@pytest.mark.parametrize(("language", "words", "mark"), [("zh-hans", "独居老人", "独"), ("en", "elderly living alone", "E")])
def test_a_room_says_its_special_populations_in_words_and_letters(
    login: Any, anchor_household: Any, language: str, words: str, mark: str
) -> None:
    from shequ.registry.models import PersonTag

    person = anchor_household.persons.filter(status="active").order_by("id").first()
    PersonTag.objects.get_or_create(community=person.community, person=person, tag=PersonTag.Tag.ELDERLY_ALONE)
    doc = _plan(login, "grid1", anchor_household.room.unit.building, language)

    nodes = doc.walk()
    legend = next(n for n in nodes if "legend" in n.attrs.get("class", "").split())
    first_plan = next(n for n in nodes if "floorplan" in n.attrs.get("class", "").split())
    assert nodes.index(legend) < nodes.index(first_plan), "the legend comes before the plan"
    item = next(li for li in legend.walk() if li.tag == "li" and words in li.text())
    assert mark in item.text()

    link = _room_link(doc, anchor_household.room)
    marks = [n for n in link.walk() if "mark" in n.attrs.get("class", "").split()]
    assert any(m.text() == mark and m.attrs.get("aria-hidden") == "true" for m in marks)
    spoken = [n.text() for n in link.walk() if "sr-only" in n.attrs.get("class", "").split()]
    assert any(words in s for s in spoken), "a screen reader hears the population in words"
    page = link.text() + "".join(n.attrs.get("title", "") for n in nodes)
    assert "elderly_alone" not in page, "no tag code is shown or read"


def test_a_property_company_sees_no_populations(login: Any, anchor_household: Any) -> None:
    doc = _plan(login, "property1", anchor_household.room.unit.building, "zh-hans")
    classes = [c for n in doc.walk() for c in n.attrs.get("class", "").split()]
    assert "legend" not in classes and "mark" not in classes
