"""A create form resubmitted after "back" never creates a second record, whatever its submission
key; adding a namesake to a household, or a household to an occupied room, asks first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from tests.browserlike import form_data

from shequ.registry import services
from shequ.registry.models import Household, Person

pytestmark = pytest.mark.django_db


def _new_person_form(client: Any, household: Household) -> dict[str, Any]:
    data = form_data(client.get(reverse("registry:person_create", args=[household.pk])).content, "name")
    data.update({"name": "周新来", "relation": "other", "residency": "tenant", "phone": "13900003333"})
    return data


def _named(household: Household, name: str = "周新来") -> int:
    return Person.objects.filter(household=household, name=name).count()


def test_the_same_form_sent_again_goes_to_the_first_result(login: Any, anchor_household: Household) -> None:
    client = login("grid1")
    url = reverse("registry:person_create", args=[anchor_household.pk])
    data = _new_person_form(client, anchor_household)
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert _named(anchor_household) == 1


def test_the_form_sent_again_with_a_new_key_asks_instead_of_adding(login: Any, anchor_household: Household) -> None:
    """Back, the page fetched again (a new key), the browser filling in what was typed, Save."""
    client = login("grid1")
    url = reverse("registry:person_create", args=[anchor_household.pk])
    assert client.post(url, _new_person_form(client, anchor_household)).status_code == 302
    asked = client.post(url, _new_person_form(client, anchor_household))
    assert asked.status_code == 200
    html = asked.content.decode()
    first = Person.objects.get(household=anchor_household, name="周新来")
    assert "周新来" in html and reverse("registry:person", args=[first.pk]) in html
    assert f'name="confirm_same_name" value="{first.pk}"' in html
    assert _named(anchor_household) == 1


def test_a_confirmed_namesake_is_added_and_a_resubmission_of_that_asks_again(
    login: Any, anchor_household: Household
) -> None:
    client = login("grid1")
    url = reverse("registry:person_create", args=[anchor_household.pk])
    client.post(url, _new_person_form(client, anchor_household))
    first = Person.objects.get(household=anchor_household, name="周新来")
    confirmed = {**_new_person_form(client, anchor_household), "confirm_same_name": str(first.pk)}
    assert client.post(url, confirmed).status_code == 302
    assert _named(anchor_household) == 2
    # Back again: the ticked box and the fields restored, a new key; the box confirmed one namesake, now there are two.
    again = client.post(url, {**confirmed, "submission_key": _new_person_form(client, anchor_household)["submission_key"]})
    assert again.status_code == 200 and _named(anchor_household) == 2
    assert re.search(r'name="confirm_same_name" value="\d+ \d+"', again.content.decode())


def test_the_service_refuses_a_namesake_the_user_did_not_see(users: dict[str, Any],
                                                           anchor_household: Household) -> None:
    data = services.clean_person_fields(name="周新来", relation="other")
    first = services.person_create(actor=users["staff"], household=anchor_household, data=data,
                                   same_name_confirmed=[])
    with pytest.raises(ValidationError) as refused:
        services.person_create(actor=users["staff"], household=anchor_household, data=data, same_name_confirmed=[])
    assert refused.value.message_dict["name"]
    services.person_create(actor=users["staff"], household=anchor_household, data=data,
                           same_name_confirmed=[first.pk])
    assert _named(anchor_household) == 2


def test_adding_a_household_to_an_occupied_room_asks_first_and_once(login: Any, anchor_household: Household) -> None:
    client = login("staff")
    room = anchor_household.room
    url = reverse("registry:room", args=[room.pk])
    before = Household.objects.filter(room=room).count()
    data = {**form_data(client.get(url).content, "note"), "note": "合租"}
    asked = client.post(url, data)
    assert asked.status_code == 200 and Household.objects.filter(room=room).count() == before
    html = asked.content.decode()
    others = " ".join(str(h.pk) for h in Household.objects.filter(room=room, status="active").order_by("id"))
    assert f'name="confirm_room" value="{others}"' in html

    confirmed = {**data, "confirm_room": others}
    added = client.post(url, confirmed)
    assert added.status_code == 302 and Household.objects.filter(room=room).count() == before + 1
    assert client.post(url, confirmed)["Location"] == added["Location"]  # the same key: the first result
    fresh_key = form_data(client.get(url).content, "note")["submission_key"]
    assert client.post(url, {**confirmed, "submission_key": fresh_key}).status_code == 200
    assert Household.objects.filter(room=room).count() == before + 1


def test_an_empty_room_gets_its_household_without_a_question(login: Any, anchor_household: Household) -> None:
    room = anchor_household.room
    empty = services.place_get_or_create(community=anchor_household.community, compound=room.unit.building.compound.name,
                                         building=room.unit.building.number, unit=room.unit.number, room="2999")
    client = login("staff")
    url = reverse("registry:room", args=[empty.pk])
    response = client.post(url, {**form_data(client.get(url).content, "note"), "note": ""})
    assert response.status_code == 302 and Household.objects.filter(room=empty, status="active").count() == 1
