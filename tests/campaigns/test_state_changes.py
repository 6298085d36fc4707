"""Every state change of a campaign through its page or the API, with its refusals and the audit event
it writes: opening and closing (and the state errors), exemptions, sampling points, closing a tube,
visits and persons found at a door, and the tube API's limits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse

from shequ.campaigns import services
from shequ.campaigns.models import Campaign, SamplingPoint, Target, Tube, Visit
from shequ.registry.models import Household, Person
from shequ.registry.services import clean_person_fields
from tests.campaigns.conftest import sample_in
from tests.webforms import form_data

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def login_en(login: Any) -> Any:
    """login(), with the English interface: the messages asserted are the msgids."""
    def make(role: str) -> Any:
        client = login(role)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client
    return make


def page_form(client: Any, url: str, **values: Any) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.content.decode(), **values)


# -- opening and closing ---------------------------------------------------------------------------
def test_opening_a_draft_fixes_its_targets_and_is_audited(login: Any, secretary: Any, building9: Any,
                                                          audit_log: Any) -> None:
    from shequ.registry.models import Community

    draft = services.campaign_create(actor=secretary, community=Community.objects.get(code="futong"), name="草稿轮",
                                     kind="test_round", starts_on=dt.date(2022, 1, 27), buildings=[building9])
    response = login("staff").post(reverse("campaigns:open", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == "open" and draft.opened_at is not None
    targets = Target.objects.filter(campaign=draft).count()
    assert targets == Person.objects.filter(household__room__unit__building=building9, status="active",
                                            household__status="active").count() > 0
    [event] = audit_log(action="update", object_type="campaign")
    assert event.actor_username == "staff" and event.object_id == str(draft.pk) and f"{targets} persons" in event.summary
    assert messages_of(response)


def test_opening_a_campaign_that_is_not_a_draft_is_refused_with_a_message(login_en: Any, test_round: Any,
                                                                          audit_log: Any) -> None:
    opened_at = test_round.opened_at
    targets = Target.objects.filter(campaign=test_round).count()
    response = login_en("staff").post(reverse("campaigns:open", args=[test_round.pk]), follow=True)
    assert response.status_code == 200 and "Only a draft campaign can be opened." in messages_of(response)
    test_round.refresh_from_db()
    assert test_round.opened_at == opened_at and Target.objects.filter(campaign=test_round).count() == targets
    assert audit_log() == []


def test_closing_closes_its_open_tubes_and_a_second_close_is_refused(login_en: Any, test_round: Any, secretary: Any,
                                                                     building9: Any, audit_log: Any) -> None:
    person = Person.objects.filter(household__room__unit__building=building9, status="active").first()
    tube = services.tube_register(actor=secretary, campaign=test_round, code="OPEN-1", pooling=5,
                                  samples=[sample_in(person)]).tube
    assert not tube.is_closed
    logged = len(audit_log())
    client = login_en("secretary")
    client.post(reverse("campaigns:close", args=[test_round.pk]))
    test_round.refresh_from_db()
    assert test_round.status == "closed" and Tube.objects.get(pk=tube.pk).closed_at == test_round.closed_at
    [event] = audit_log()[logged:]
    assert (event.action, event.object_id, event.summary) == ("update", str(test_round.pk), "campaign closed")
    again = client.post(reverse("campaigns:close", args=[test_round.pk]), follow=True)
    assert "Only an open campaign can be closed." in messages_of(again)
    assert len(audit_log()) == logged + 1
    reopen = client.post(reverse("campaigns:open", args=[test_round.pk]), follow=True)
    assert "Only a draft campaign can be opened." in messages_of(reopen)
    assert Campaign.objects.get(pk=test_round.pk).status == "closed"


# -- exemptions ------------------------------------------------------------------------------------
def test_an_exemption_is_saved_from_its_form_and_audited(login: Any, test_round: Any, anchor_household: Any,
                                                         audit_log: Any) -> None:
    target = Target.objects.filter(campaign=test_round, household=anchor_household).order_by("id").first()
    url = reverse("campaigns:exempt", args=[test_round.pk, target.pk])
    client = login("grid1")
    response = client.post(url, page_form(client, url, with_field="reason", reason="away", note="在长春 有核酸证明"))
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:missing", args=[test_round.pk])
    target.refresh_from_db()
    assert (target.exempt_reason, target.exempt_note) == ("away", "在长春 有核酸证明")
    [event] = audit_log()
    assert (event.action, event.object_type, event.object_id, event.actor_username) == (
        "update", "target", str(target.pk), "grid1")
    assert "exempt=away" in event.summary
    # An empty reason lifts it.
    client.post(url, page_form(client, url, with_field="reason", reason="", note=""))
    target.refresh_from_db()
    assert target.exempt_reason == "" and len(audit_log()) == 2


def test_away_without_proof_is_refused_on_the_form_and_nothing_is_saved(login: Any, test_round: Any,
                                                                         anchor_household: Any, audit_log: Any) -> None:
    target = Target.objects.filter(campaign=test_round, household=anchor_household).order_by("id").first()
    url = reverse("campaigns:exempt", args=[test_round.pk, target.pk])
    client = login("staff")
    response = client.post(url, page_form(client, url, with_field="reason", reason="away", note=" "))
    assert response.status_code == 200 and "note" in response.context["form"].errors
    assert Target.objects.get(pk=target.pk).exempt_reason == "" and audit_log() == []


def test_a_grid_worker_cannot_exempt_a_target_of_another_grid(login: Any, users: dict[str, Any],
                                                              other_grid_household: Household) -> None:
    from tests.campaigns.conftest import open_round

    campaign = open_round(users["secretary"], buildings=[other_grid_household.room.unit.building])
    target = Target.objects.filter(campaign=campaign, household=other_grid_household).first()
    response = login("grid1").post(reverse("campaigns:exempt", args=[campaign.pk, target.pk]),
                                   {"reason": "in_hospital", "note": ""})
    assert response.status_code == 404 and Target.objects.get(pk=target.pk).exempt_reason == ""


# -- sampling points ---------------------------------------------------------------------------------
def test_a_sampling_point_with_its_slot_is_created_from_the_form_and_audited(login: Any, test_round: Any,
                                                                             building9: Any, audit_log: Any) -> None:
    url = reverse("campaigns:points", args=[test_round.pk])
    client = login("staff")
    data = page_form(client, url, with_field="location", name="东门广场", location="东门外",
                     starts_at="2022-01-26T08:00", ends_at="2022-01-26T12:00", buildings=[str(building9.pk)])
    assert client.post(url, data).status_code == 302
    point = SamplingPoint.objects.get(campaign=test_round, name="东门广场")
    slot = point.slots.get()
    assert [sb.building_id for sb in slot.slot_buildings.all()] == [building9.pk]
    assert (slot.ends_at - slot.starts_at) == dt.timedelta(hours=4)
    [event] = audit_log()
    assert (event.action, event.object_type, event.object_id) == ("create", "samplingpoint", str(point.pk))


def test_a_slot_that_ends_before_it_starts_is_refused_and_leaves_no_point(login: Any, test_round: Any,
                                                                          audit_log: Any) -> None:
    url = reverse("campaigns:points", args=[test_round.pk])
    client = login("staff")
    data = page_form(client, url, with_field="location", name="坏时段", starts_at="2022-01-26T12:00",
                     ends_at="2022-01-26T08:00")
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not SamplingPoint.objects.filter(name="坏时段").exists() and audit_log() == []


def test_field_workers_see_the_points_but_may_not_add_one(login: Any, test_round: Any) -> None:
    url = reverse("campaigns:points", args=[test_round.pk])
    for role in ("grid1", "sampler1"):
        assert login(role).get(url).status_code == 200
        assert login(role).post(url, {"name": "x", "starts_at": "2022-01-26T08:00",
                                      "ends_at": "2022-01-26T09:00"}).status_code == 403
    assert not SamplingPoint.objects.filter(campaign=test_round).exists()


# -- closing a tube ----------------------------------------------------------------------------------
def test_the_tube_page_closes_a_tube_once_and_refuses_an_empty_one(login_en: Any, test_round: Any, secretary: Any,
                                                                   building9: Any, audit_log: Any) -> None:
    person = Person.objects.filter(household__room__unit__building=building9, status="active").first()
    tube = services.tube_register(actor=secretary, campaign=test_round, code="HALF-1", pooling=10,
                                  samples=[sample_in(person)]).tube
    # Registration refuses a tube without persons; an empty one can still be on record (registered
    # before that rule), and closing it is refused.
    empty = Tube.objects.create(campaign=test_round, community=test_round.community, code="EMPTY-1", pooling=10)
    logged = len(audit_log())
    client = login_en("sampler1")
    url = reverse("campaigns:tube", args=[test_round.pk, tube.pk])
    assert client.post(url)["Location"] == url
    tube.refresh_from_db()
    assert tube.closed_at is not None
    [event] = audit_log()[logged:]
    assert (event.action, event.object_id, event.actor_username) == ("update", str(tube.pk), "sampler1")
    assert "closed with 1/10" in event.summary
    closed_at = tube.closed_at
    client.post(url)  # a second press changes nothing
    assert Tube.objects.get(pk=tube.pk).closed_at == closed_at and len(audit_log()) == logged + 1
    refused = client.post(reverse("campaigns:tube", args=[test_round.pk, empty.pk]), follow=True)
    assert "An empty tube cannot be closed." in messages_of(refused)
    assert Tube.objects.get(pk=empty.pk).closed_at is None and len(audit_log()) == logged + 1


def test_a_tube_of_another_campaign_is_404_on_this_campaigns_page(login: Any, test_round: Any, secretary: Any,
                                                                 building9: Any) -> None:
    from tests.campaigns.conftest import open_round

    other = open_round(secretary, name="别的轮", buildings=[building9])
    person = Person.objects.filter(household__room__unit__building=building9, status="active").first()
    tube = services.tube_register(actor=secretary, campaign=other, code="ELSEWHERE", pooling=5,
                                  samples=[sample_in(person)]).tube
    assert login("staff").post(reverse("campaigns:tube", args=[test_round.pk, tube.pk])).status_code == 404
    assert Tube.objects.get(pk=tube.pk).closed_at is None


# -- visits and persons found at a door ---------------------------------------------------------------
def test_a_visit_that_confirms_someone_of_another_household_is_refused(screening: Any, secretary: Any,
                                                                       anchor_household: Household,
                                                                       audit_log: Any) -> None:
    from django.core.exceptions import ValidationError

    stranger = Person.objects.filter(community_id=screening.community_id, status="active").exclude(
        household=anchor_household).first()
    for kwargs in ({"present": {stranger.pk: None}}, {"moved_out": [stranger.pk]}, {"deceased": [stranger.pk]}):
        with pytest.raises(ValidationError) as refused:
            services.visit_record(actor=secretary, campaign=screening, household=anchor_household,
                                  outcome="visited", **kwargs)
        assert "present" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.visit_record(actor=secretary, campaign=screening, household=anchor_household, outcome="asleep")
    assert "outcome" in refused.value.message_dict
    assert not Visit.objects.filter(campaign=screening).exists() and audit_log() == []
    assert Person.objects.get(pk=stranger.pk).status == "active"


def test_a_visit_is_audited_and_moving_out_a_person_found_gone_is_too(screening: Any, secretary: Any,
                                                                      anchor_household: Household,
                                                                      audit_log: Any) -> None:
    present, gone = list(anchor_household.persons.filter(status="active").order_by("id"))[:2]
    visit = services.visit_record(actor=secretary, campaign=screening, household=anchor_household, outcome="visited",
                                  present={present.pk: None}, moved_out=[gone.pk])
    events = audit_log()
    assert [(e.action, e.object_type) for e in events] == [("move_out", "person"), ("create", "visit")]
    assert events[0].object_id == str(gone.pk) and events[1].object_id == str(visit.pk)


def test_a_person_found_in_a_closed_round_or_another_community_is_refused(screening: Any, secretary: Any,
                                                                         anchor_household: Household,
                                                                         audit_log: Any) -> None:
    from django.core.exceptions import ValidationError

    data = clean_person_fields(name="门口的人")
    elsewhere = Household.objects.exclude(community_id=screening.community_id).filter(status="active").first()
    with pytest.raises(ValidationError) as refused:
        services.person_found(actor=secretary, campaign=screening, household=elsewhere, data=data)
    assert "household" in refused.value.message_dict
    services.campaign_close(actor=secretary, campaign=screening)
    logged = len(audit_log())
    screening.refresh_from_db()
    with pytest.raises(ValidationError):
        services.person_found(actor=secretary, campaign=screening, household=anchor_household, data=data)
    assert not Person.objects.filter(name="门口的人").exists() and len(audit_log()) == logged


def test_the_found_person_form_names_a_bad_field_and_registers_nobody(login: Any, screening: Any,
                                                                      anchor_household: Household) -> None:
    url = reverse("campaigns:household", args=[screening.pk, anchor_household.pk])
    client = login("grid1")
    data = page_form(client, url, with_field="name", name="装修工人乙", id_number="110105201003070011")
    response = client.post(url, {**data, "action": "found"})
    assert response.status_code == 200 and "id_number" in response.context["found"].errors
    assert not Person.objects.filter(name="装修工人乙").exists()


# -- the tube API's limits ------------------------------------------------------------------------------
def _api_post(client: Any, campaign: Any, body: dict[str, Any]) -> Any:
    return client.post(reverse("api:campaign_tubes", args=[campaign.pk]), body, content_type="application/json")


def test_the_api_refuses_more_than_twenty_samples_in_one_tube(login: Any, test_round: Any, building9: Any) -> None:
    persons = list(Person.objects.filter(household__room__unit__building=building9, status="active")[:21])
    assert len(persons) == 21
    body = {"code": "BIG-1", "pooling": 20,
            "samples": [{"client_id": str(uuid.uuid4()), "person_id": p.pk} for p in persons]}
    response = _api_post(login("sampler1"), test_round, body)
    assert response.status_code == 422 and "20" in response.json()["message"]
    assert not Tube.objects.filter(campaign=test_round, code="BIG-1").exists()


def test_the_api_refuses_a_point_that_is_not_the_campaigns(login: Any, test_round: Any, secretary: Any,
                                                           building9: Any, anchor_household: Household) -> None:
    from tests.campaigns.conftest import open_round

    other = open_round(secretary, name="别的轮", buildings=[building9])
    foreign = services.point_create(actor=secretary, campaign=other, name="别处")
    person = anchor_household.persons.filter(status="active").first()
    for point_id in (foreign.pk, 10**9):
        body = {"code": "PT-1", "pooling": 1, "point_id": point_id,
                "samples": [{"client_id": str(uuid.uuid4()), "person_id": person.pk}]}
        response = _api_post(login("sampler1"), test_round, body)
        assert response.status_code == 404, response.content
    assert not Tube.objects.filter(code="PT-1").exists()


def test_a_naive_sampling_time_is_the_communitys_local_time(login: Any, test_round: Any,
                                                           anchor_household: Household, clock: Any) -> None:
    clock.set_local(2022, 1, 26, 15, 0)
    person = anchor_household.persons.filter(status="active").first()
    body = {"code": "NAIVE-1", "pooling": 1, "sampled_at": "2022-01-26T14:30:00",
            "samples": [{"client_id": str(uuid.uuid4()), "person_id": person.pk}]}
    response = _api_post(login("sampler1"), test_round, body)
    assert response.status_code == 201, response.content
    sample = Tube.objects.get(campaign=test_round, code="NAIVE-1").samples.get()
    assert sample.sampled_at == dt.datetime(2022, 1, 26, 6, 30, tzinfo=dt.UTC)
