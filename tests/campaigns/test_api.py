"""The sampling devices' API: register a tube with its persons, idempotent by client_id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.campaigns.models import Sample, Tube


def post(client: Client, campaign: Any, body: dict, **headers: str) -> Any:
    return client.post(reverse("api:campaign_tubes", args=[campaign.pk]), body, content_type="application/json",
                       **headers)


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


# -- refusals that used to store something else than they said (issue 10.7, 10.8) -----------------

FROZEN = __import__("datetime").datetime(2022, 1, 26, 15, 0, tzinfo=__import__("datetime").UTC)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: FROZEN)
    return FROZEN


def _persons(household: Any) -> list[Any]:
    return list(household.persons.filter(status="active").order_by("id"))


@pytest.mark.django_db
def test_one_client_id_for_two_persons_is_422_and_stores_nothing(login: Any, test_round: Any,
                                                                 anchor_household: Any) -> None:
    first, second = _persons(anchor_household)[:2]
    client_id = str(uuid.uuid4())
    r = post(login("sampler1"), test_round, {"code": "DUP-1", "pooling": 5, "samples": [
        {"client_id": client_id, "person_id": first.pk}, {"client_id": client_id, "person_id": second.pk}]})
    assert r.status_code == 422
    assert "client_id" in r.json()["message"] and client_id in r.json()["message"]
    assert not Sample.objects.filter(client_id=client_id).exists()
    assert not Tube.objects.filter(campaign=test_round, code="DUP-1").exists()


@pytest.mark.django_db
def test_created_counts_the_samples_stored(login: Any, test_round: Any, anchor_household: Any) -> None:
    persons = _persons(anchor_household)[:2]
    r = post(login("sampler1"), test_round, {"code": "CNT-1", "pooling": 5, "samples": [
        {"client_id": str(uuid.uuid4()), "person_id": p.pk} for p in persons]})
    assert r.status_code == 201
    assert r.json()["created"] == Sample.objects.filter(tube__campaign=test_round, tube__code="CNT-1").count() == 2


@pytest.mark.django_db
def test_a_tube_in_a_screening_round_is_422(login: Any, screening: Any, anchor_household: Any) -> None:
    person = _persons(anchor_household)[0]
    r = post(login("secretary"), screening, {"code": "SCR-1", "pooling": 1, "samples": [
        {"client_id": str(uuid.uuid4()), "person_id": person.pk}]}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422 and "screening" in r.json()["message"]
    assert not Tube.objects.filter(campaign=screening).exists()


@pytest.mark.django_db
def test_no_samples_is_422_and_leaves_no_empty_tube(login: Any, test_round: Any) -> None:
    r = post(login("sampler1"), test_round, {"code": "EMPTY-1", "pooling": 10, "samples": []})
    assert r.status_code == 422 and "samples" in r.json()["message"]
    # Closing needs a tube that holds someone.
    r = post(login("sampler1"), test_round, {"code": "EMPTY-1", "pooling": 10, "samples": [], "close": True})
    assert r.status_code == 422
    assert not Tube.objects.filter(campaign=test_round, code="EMPTY-1").exists()


@pytest.mark.django_db
def test_no_samples_with_close_closes_a_tube_that_holds_someone(login: Any, test_round: Any,
                                                                anchor_household: Any) -> None:
    client = login("sampler1")
    person = _persons(anchor_household)[0]
    post(client, test_round, {"code": "CL-1", "pooling": 10,
                              "samples": [{"client_id": str(uuid.uuid4()), "person_id": person.pk}]})
    r = post(client, test_round, {"code": "CL-1", "pooling": 10, "samples": [], "close": True})
    assert r.status_code == 200 and r.json()["closed"] and r.json()["created"] == 0
    assert Tube.objects.get(campaign=test_round, code="CL-1").is_closed


@pytest.mark.django_db
def test_a_tube_where_everyone_was_rejected_is_not_kept(login: Any, test_round: Any) -> None:
    r = post(login("sampler1"), test_round, {"code": "REJ-1", "pooling": 10, "samples": [
        {"client_id": str(uuid.uuid4()), "credential": "13000000000"}]})
    assert r.status_code == 200
    assert r.json()["created"] == 0 and r.json()["samples"][0]["status"] == "rejected"
    assert r.json()["tube_id"] is None
    assert not Tube.objects.filter(campaign=test_round, code="REJ-1").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("offset", "accepted"), [
    (dict(days=-7, seconds=1), True), (dict(days=-7, seconds=-1), False),
    (dict(minutes=5), True), (dict(minutes=5, seconds=1), False), (dict(days=365), False),
    (dict(days=-3650), False),
])
def test_sampled_at_is_within_what_an_offline_queue_holds(login: Any, test_round: Any, anchor_household: Any,
                                                          fixed_clock: Any, offset: dict, accepted: bool) -> None:
    import datetime as dt

    person = _persons(anchor_household)[0]
    at = fixed_clock + dt.timedelta(**offset)
    r = post(login("sampler1"), test_round, {"code": "T-1", "pooling": 1, "sampled_at": at.isoformat(),
                                             "samples": [{"client_id": str(uuid.uuid4()), "person_id": person.pk}]})
    if accepted:
        assert r.status_code == 201, r.content
        assert Sample.objects.get(tube__campaign=test_round, tube__code="T-1").sampled_at == at
    else:
        assert r.status_code == 422 and "sampled_at" in r.json()["message"]
        assert not Tube.objects.filter(campaign=test_round, code="T-1").exists()
