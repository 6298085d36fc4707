"""The sampling devices' API: register a tube with its persons, idempotent by client_id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.campaigns.models import Sample, Tube


def post(client: Client, campaign: Any, body: dict) -> Any:
    return client.post(reverse("api:campaign_tubes", args=[campaign.pk]), body, content_type="application/json")


@pytest.mark.django_db
def test_register_a_tube_and_replay_it(login: Any, test_round: Any, anchor_household: Any) -> None:
    client = login("sampler1")
    persons = list(anchor_household.persons.filter(status="active").order_by("id"))
    body = {"code": "API-1", "pooling": 5,
            "samples": [{"client_id": str(uuid.uuid4()), "person_id": p.pk} for p in persons]
            + [{"client_id": str(uuid.uuid4()), "credential": persons[0].phone}]}
    first = post(client, test_round, body)
    assert first.status_code == 201
    data = first.json()
    assert [s["status"] for s in data["samples"]] == ["created"] * len(persons) + ["rejected"]
    assert data["samples"][-1]["problem"]
    assert "*" in data["samples"][0]["name"]
    again = post(client, test_round, body)
    assert again.status_code == 200
    assert [s["status"] for s in again.json()["samples"]][:len(persons)] == ["existing"] * len(persons)
    assert [s["sample_id"] for s in again.json()["samples"]] == [s["sample_id"] for s in data["samples"]]
    assert Sample.objects.filter(tube__code="API-1").count() == len(persons)


@pytest.mark.django_db
def test_bad_tube_input_is_422_naming_the_field(login: Any, test_round: Any, anchor_household: Any) -> None:
    p = anchor_household.persons.first()
    r = post(login("staff"), test_round, {"code": "X", "pooling": 7,
                                          "samples": [{"client_id": str(uuid.uuid4()), "person_id": p.pk}]})
    assert r.status_code == 422 and "pooling" in r.json()["message"]
    r = post(login("staff"), test_round, {"code": "X", "pooling": 5, "samples": [{"client_id": "nope"}]})
    assert r.status_code == 422


@pytest.mark.django_db
def test_a_grid_worker_cannot_register_people_of_another_grid_by_id(login: Any, test_round: Any,
                                                                    other_grid_household: Any) -> None:
    p = other_grid_household.persons.first()
    r = post(login("grid1"), test_round, {"code": "G1", "pooling": 1,
                                          "samples": [{"client_id": str(uuid.uuid4()), "person_id": p.pk}]})
    assert r.json()["samples"][0]["status"] == "rejected"


@pytest.mark.django_db
def test_outsider_and_roles_without_field_work(login: Any, test_round: Any) -> None:
    body = {"code": "O1", "pooling": 1, "samples": []}
    assert post(login("outsider"), test_round, body).status_code == 404
    assert post(login("gate1"), test_round, body).status_code == 403
    assert post(login(None), test_round, body).status_code == 401


def test_two_simultaneous_copies_make_one_row(world_tx: Any) -> None:
    """Two phones send the same registration at the same moment: one row, both get the same sample."""
    import datetime as dt

    from shequ.accounts.models import User
    from shequ.campaigns import services
    from shequ.registry.models import Building, Community, Person
    from tests.concurrency import at_once, database_for_threads

    actor = User.objects.get(username="secretary")
    building = Building.objects.get(community__code="futong", compound__name="富通小区", number="9")
    campaign = services.campaign_create(actor=actor, community=Community.objects.get(code="futong"), name="并发",
                                        kind="test_round", starts_on=dt.date(2022, 1, 26), buildings=[building])
    campaign = services.campaign_open(actor=actor, campaign=campaign)
    person = Person.objects.filter(household__room__unit__building=building, status="active").first()
    client_id = uuid.uuid4()
    body = {"code": "RACE", "pooling": 5, "samples": [{"client_id": str(client_id), "person_id": person.pk}]}

    def send(i: int) -> Any:
        client = Client()
        client.force_login(actor)
        return post(client, campaign, body)

    with database_for_threads():
        answers = at_once(2, send)
        samples, size = at_once(1, lambda i: (Sample.objects.filter(client_id=client_id).count(),
                                              Tube.objects.get(campaign_id=campaign.pk, code="RACE").size))[0]
    assert sorted(a.status_code for a in answers) == [200, 201], [a.content for a in answers]
    assert len({a.json()["samples"][0]["sample_id"] for a in answers}) == 1
    assert samples == 1 and size == 1
