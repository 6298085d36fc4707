"""The gate screen's pages: start, scoping and roles, the no-JavaScript form flow (one passage per
client_id however often it is posted), the JSON flow the script uses, lookup, and visitors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.masking import mask_name
from shequ.gates.models import Gate, Passage, Visitor
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = {"HTTP_ACCEPT": "application/json", **EN}


@pytest.fixture
def post_gate(db: Any) -> Gate:
    """gate1's post: 富通小区 东门, in front of the anchor household (9-2-502)."""
    return Gate.objects.select_related("compound").get(community__code="futong", compound__name="富通小区", name="东门")


@pytest.fixture
def resident(anchor_household: Any) -> Any:
    return anchor_household.persons.filter(status="active").order_by("id").first()


@pytest.fixture
def token(resident: Any) -> str:
    return pass_tokens.token_for(Pass.objects.get(person=resident, revoked_at__isnull=True).code)


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {"client_id": str(uuid.uuid4()), "credential": "", "direction": "in", "temperature": "36.5",
            "health_code": "green", "mask": "yes"}
    data.update(overrides)
    return data


def screen_url(gate: Gate, name: str = "gates:screen") -> str:
    return reverse(name, args=[gate.pk])


# -- start and scoping --------------------------------------------------------------------------
def test_a_guard_with_one_gate_goes_straight_to_it(login: Any, post_gate: Gate) -> None:
    response = login("gate1").get(reverse("gates:screen_start"))
    assert response.status_code == 302
    assert response["Location"] == screen_url(post_gate)


def test_a_volunteer_without_a_post_is_told_so(login: Any) -> None:
    response = login("volunteer1").get(reverse("gates:screen_start"), **EN)
    assert response.status_code == 200
    assert "You are not posted to any gate yet" in response.content.decode()


def test_staff_choose_among_all_gates_of_their_community(login: Any) -> None:
    html = login("staff").get(reverse("gates:screen_start"), **EN).content.decode()
    for gate in Gate.objects.filter(community__code="futong"):
        assert screen_url(gate) in html
    for gate in Gate.objects.filter(community__code="nanxincun"):
        assert screen_url(gate) not in html


@pytest.mark.parametrize("name", ["gates:screen", "gates:screen_lookup", "gates:screen_visitor", "gates:screen_bundle"])
def test_a_guard_gets_404_at_a_gate_of_another_compound(login: Any, name: str) -> None:
    client = login("gate1")
    same_community = Gate.objects.get(community__code="futong", compound__name="江南家园", name="东门")
    other_community = Gate.objects.filter(community__code="nanxincun").first()
    assert client.get(reverse(name, args=[same_community.pk])).status_code == 404
    assert client.get(reverse(name, args=[other_community.pk])).status_code == 404


def test_a_guard_cannot_post_at_another_gate(login: Any, token: str) -> None:
    other = Gate.objects.get(community__code="futong", compound__name="江南家园", name="东门")
    before = Passage.objects.count()
    response = login("gate1").post(screen_url(other), form_data(credential=token))
    assert response.status_code == 404
    response = login("gate1").post(reverse("gates:screen_visitor", args=[other.pk]), {})
    assert response.status_code == 404
    assert Passage.objects.count() == before


def test_the_outsider_gets_404_at_a_futong_gate(login: Any, post_gate: Gate) -> None:
    assert login("outsider").get(screen_url(post_gate)).status_code == 404
    assert login("outsider").get(screen_url(post_gate, "gates:screen_bundle")).status_code == 404


@pytest.mark.parametrize("role", ["grid1", "property1", "sampler1", "street", "resident1"])
def test_roles_without_the_screen_are_refused(login: Any, post_gate: Gate, role: str) -> None:
    client = login(role)
    assert client.get(reverse("gates:screen_start")).status_code == 403
    assert client.get(screen_url(post_gate)).status_code == 403
    assert client.post(screen_url(post_gate), form_data()).status_code == 403
    assert client.get(screen_url(post_gate, "gates:screen_bundle")).status_code == 403


def test_anonymous_is_sent_to_log_in(login: Any, post_gate: Gate) -> None:
    response = login(None).get(screen_url(post_gate))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# -- the screen ---------------------------------------------------------------------------------
def test_the_screen_shows_the_gate_and_who_is_on_duty(login: Any, post_gate: Gate) -> None:
    html = login("gate1").get(screen_url(post_gate), **EN).content.decode()
    assert "富通小区 · 东门" in html
    assert "On duty now" in html and "周德明" in html  # gate1 covers every shift of its gate in the demo
    assert 'name="credential"' in html and "autofocus" in html
    assert 'inputmode="decimal"' in html
    assert "CLOSED" not in html


def test_a_gate_nobody_covers_says_so(login: Any) -> None:
    gate = Gate.objects.get(community__code="futong", compound__name="江南家园", name="东门")
    html = login("staff").get(screen_url(gate), **EN).content.decode()
    assert "Nobody is on duty at this gate now." in html


def test_a_closed_gate_shows_a_big_warning_and_refuses(login: Any, post_gate: Gate, token: str) -> None:
    Gate.objects.filter(pk=post_gate.pk).update(status=Gate.Status.CLOSED)
    client = login("gate1")
    html = client.get(screen_url(post_gate), **EN).content.decode()
    assert 'class="gate-closed"' in html and "CLOSED" in html
    data = client.post(screen_url(post_gate), form_data(credential=token), **JSON).json()
    assert data["decision"] == "deny" and "gate_closed" in data["reasons"]


def test_each_screen_gets_a_new_client_id(login: Any, post_gate: Gate) -> None:
    client = login("gate1")
    first = client.get(screen_url(post_gate)).context["form"].initial["client_id"]
    second = client.get(screen_url(post_gate)).context["form"].initial["client_id"]
    assert first != second


# -- recording without JavaScript -----------------------------------------------------------------
def test_a_double_submit_records_one_passage(login: Any, post_gate: Gate, resident: Any, token: str) -> None:
    client = login("gate1")
    data = form_data(credential=token)
    before = Passage.objects.filter(gate=post_gate).count()
    first = client.post(screen_url(post_gate), data, **EN)
    second = client.post(screen_url(post_gate), data, **EN)
    assert first.status_code == second.status_code == 200
    assert Passage.objects.filter(gate=post_gate).count() == before + 1
    passage = Passage.objects.get(client_id=data["client_id"])
    assert passage.person == resident and passage.decision == "allow" and passage.guard.username == "gate1"
    assert passage.offline is False and passage.credential == "pass"
    for response in (first, second):
        html = response.content.decode()
        assert "verdict-allow" in html and "Allowed" in html
        assert mask_name(resident.name) in html and "9-2-502" in html
        assert resident.name not in html
    # The verdict page carries a fresh form for the next person.
    assert first.context["form"].initial["client_id"] != uuid.UUID(data["client_id"])


def test_a_fever_is_refused_with_its_reason(login: Any, post_gate: Gate, token: str) -> None:
    data = form_data(credential=token, temperature="37.8")
    html = login("gate1").post(screen_url(post_gate), data, **EN).content.decode()
    assert "verdict-deny" in html and "fever (37.3 °C or above)" in html
    passage = Passage.objects.get(client_id=data["client_id"])
    assert passage.decision == "deny" and passage.reasons == ["fever"]


def test_a_person_picked_in_the_lookup_is_recorded(login: Any, post_gate: Gate, resident: Any) -> None:
    client = login("gate1")
    html = client.get(screen_url(post_gate), {"person": resident.pk}, **EN).content.decode()
    assert f'name="person" id="id_person" value="{resident.pk}"' in html and mask_name(resident.name) in html
    data = form_data(person=str(resident.pk), direction="out", temperature="")
    client.post(screen_url(post_gate), data)
    passage = Passage.objects.get(client_id=data["client_id"])
    assert passage.person == resident and passage.direction == "out" and passage.credential == "person"


def test_a_person_of_another_compound_cannot_be_picked(login: Any, post_gate: Gate) -> None:
    from shequ.registry.models import Person

    elsewhere = Person.objects.filter(community__code="futong", status="active").exclude(
        household__room__unit__building__compound=post_gate.compound).first()
    data = form_data(person=str(elsewhere.pk))
    response = login("gate1").post(screen_url(post_gate), data, **EN)
    assert "This person does not live behind this gate." in response.content.decode()
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


def test_nothing_to_identify_is_an_error_that_keeps_the_checks(login: Any, post_gate: Gate) -> None:
    data = form_data(temperature="36.6", health_code="yellow")
    html = login("gate1").post(screen_url(post_gate), data, **EN).content.decode()
    assert "Scan the pass, type an ID or phone number, or look the person up." in html
    assert 'value="36.6"' in html and 'value="yellow" checked' in html
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


def test_the_direction_is_remembered(login: Any, post_gate: Gate, token: str) -> None:
    client = login("gate1")
    client.post(screen_url(post_gate), form_data(credential=token, direction="out"))
    html = client.get(screen_url(post_gate)).content.decode()
    assert 'value="out" checked' in html


def test_a_token_the_scanner_typed_into_the_temperature_field_is_used(login: Any, post_gate: Gate, resident: Any,
                                                                     token: str) -> None:
    data = form_data(credential="", temperature=token, direction="out")
    login("gate1").post(screen_url(post_gate), data)
    assert Passage.objects.get(client_id=data["client_id"]).person == resident


def test_a_token_scanned_after_the_temperature_keeps_the_temperature(login: Any, post_gate: Gate, resident: Any,
                                                                     token: str) -> None:
    """Without JavaScript the scanner's token lands after the temperature in the same field: both
    are read (the token as the credential), and a passage with that temperature is recorded."""
    data = form_data(credential="", temperature="36.7" + token)
    login("gate1").post(screen_url(post_gate), data)
    passage = Passage.objects.get(client_id=data["client_id"])
    assert (passage.person, str(passage.temperature), passage.decision) == (resident, "36.7", "allow")


def test_what_is_no_temperature_before_a_scanned_token_is_an_error_and_records_nothing(
        login: Any, post_gate: Gate, token: str) -> None:
    data = form_data(credential="", temperature="36x" + token)
    response = login("gate1").post(screen_url(post_gate), data, **EN)
    assert "Temperature must be between 34.0 and 42.0 °C." in response.content.decode()  # core.temperature
    assert response.context["form"]["credential"].value() == token
    assert response.context["form"]["temperature"].value() == "36x"
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


def test_an_unknown_person_is_offered_the_visitor_form(login: Any, post_gate: Gate) -> None:
    response = login("gate1").post(screen_url(post_gate), form_data(credential="13900000000"), **EN)
    html = response.content.decode()
    assert "verdict-deny" in html and "not in the registry: register as a visitor" in html
    assert reverse("gates:screen_visitor", args=[post_gate.pk]) + "?temperature=36.5" in html


# -- the temperature suggestion -------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["365", "3.65", "36,5"])
def test_a_temperature_like_365_is_offered_as_36_5(login: Any, post_gate: Gate, token: str, typed: str) -> None:
    client = login("gate1")
    data = form_data(credential=token, temperature=typed)
    html = client.post(screen_url(post_gate), data, **EN).content.decode()
    assert "did you mean 36.5?" in html
    assert 'name="use_temperature" value="36.5"' in html
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()
    # One tap on the suggestion records.
    client.post(screen_url(post_gate), {**data, "use_temperature": "36.5"})
    assert Passage.objects.get(client_id=data["client_id"]).temperature == pytest.approx(36.5)


@pytest.mark.parametrize("typed", ["1000", "abc", "nan", "1e2", "-36.5"])
def test_an_unreadable_temperature_names_the_range(login: Any, post_gate: Gate, token: str, typed: str) -> None:
    data = form_data(credential=token, temperature=typed)
    response = login("gate1").post(screen_url(post_gate), data, **JSON)
    assert response.status_code == 422
    assert response.json()["errors"]["temperature"] == ["Temperature must be between 34.0 and 42.0 °C."]
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


# -- the JSON flow of the script ------------------------------------------------------------------
def test_json_records_once_and_replays(login: Any, post_gate: Gate, resident: Any, token: str) -> None:
    client = login("gate1")
    data = form_data(credential=token)
    first = client.post(screen_url(post_gate), data, **JSON)
    again = client.post(screen_url(post_gate), data, **JSON)
    assert (first.status_code, again.status_code) == (201, 200)
    body = first.json()
    assert body["decision"] == "allow" and body["reasons"] == [] and body["created"] is True
    assert body["person"] == {"name": mask_name(resident.name), "address": "富通小区 9-2-502", "visitor": False}
    assert again.json()["passage_id"] == body["passage_id"] and again.json()["created"] is False


def test_json_errors_are_422_with_the_suggestion(login: Any, post_gate: Gate, token: str) -> None:
    response = login("gate1").post(screen_url(post_gate), form_data(credential=token, temperature="365"), **JSON)
    assert response.status_code == 422
    assert response.json()["suggestion"] == "36.5"
    assert "did you mean 36.5?" in response.json()["errors"]["temperature"][0]


def test_a_queued_offline_passage_is_marked_and_keeps_its_time(login: Any, post_gate: Gate, token: str) -> None:
    when = (timezone.now() - dt.timedelta(minutes=20)).replace(microsecond=0)
    data = form_data(credential=token, recorded_at=when.isoformat(), offline_decision="allow")
    client = login("gate1")
    assert client.post(screen_url(post_gate), data, **JSON).status_code == 201
    assert client.post(screen_url(post_gate), data, **JSON).status_code == 200
    passage = Passage.objects.get(client_id=data["client_id"])
    assert passage.offline is True and passage.offline_decision == "allow" and passage.recorded_at == when


def test_a_client_id_used_at_another_gate_is_409(login: Any, post_gate: Gate, token: str) -> None:
    other = Gate.objects.get(community__code="futong", compound__name="富通小区", name="南门")
    data = form_data(credential=token)
    client = login("staff")
    assert client.post(screen_url(post_gate), data, **JSON).status_code == 201
    assert client.post(screen_url(other), data, **JSON).status_code == 409


# -- lookup ---------------------------------------------------------------------------------------
def test_lookup_by_room_lists_masked_persons_of_the_compound(login: Any, post_gate: Gate, anchor_household: Any) -> None:
    client = login("gate1")
    url = screen_url(post_gate, "gates:screen_lookup")
    rows = client.get(url, {"q": "9-2-502"}, **JSON).json()["persons"]
    members = list(anchor_household.persons.filter(status="active"))
    assert {r["id"] for r in rows} == {p.pk for p in members}
    assert all(r["address"] == "富通小区 9-2-502" for r in rows)
    html = client.get(url, {"q": "9-2-502"}, **EN).content.decode()
    for person in members:
        assert mask_name(person.name) in html and person.name not in html
        assert f"?person={person.pk}" in html


def test_lookup_stays_within_the_gate_compound(login: Any, post_gate: Gate) -> None:
    from shequ.registry.models import Person

    elsewhere = Person.objects.filter(community__code="futong", status="active").exclude(
        household__room__unit__building__compound=post_gate.compound).exclude(phone="").first()
    rows = login("gate1").get(screen_url(post_gate, "gates:screen_lookup"), {"q": elsewhere.phone[-6:]},
                              **JSON).json()["persons"]
    assert elsewhere.pk not in {r["id"] for r in rows}


# -- visitors -------------------------------------------------------------------------------------
def visitor_data(**overrides: Any) -> dict[str, Any]:
    data = {"client_id": str(uuid.uuid4()), "name": "来访者甲", "phone": "13912345678", "id_number": "",
            "host": "9-2-502", "reason": "探亲", "vehicle_plate": "鄂a12345", "temperature": "36.4",
            "health_code": "green", "mask": "yes"}
    data.update(overrides)
    return data


def test_a_visitor_is_registered_and_let_in_once(login: Any, post_gate: Gate, anchor_household: Any) -> None:
    client = login("gate1")
    data = visitor_data()
    first = client.post(reverse("gates:screen_visitor", args=[post_gate.pk]), data, **EN)
    second = client.post(reverse("gates:screen_visitor", args=[post_gate.pk]), data, **EN)
    for response in (first, second):
        html = response.content.decode()
        assert "verdict-allow" in html and "Visitor" in html and mask_name("来访者甲") in html and "富通小区 9-2-502" in html
    passage = Passage.objects.get(client_id=data["client_id"])
    assert passage.visitor is not None and passage.visitor.host_household == anchor_household
    assert passage.visitor.vehicle_plate == "鄂A12345"
    assert Visitor.objects.filter(name="来访者甲").count() == 1


def test_a_visitor_to_a_sealed_unit_is_refused(login: Any) -> None:
    from shequ.registry.models import Household

    gate = Gate.objects.get(community__code="futong", compound__name="江南家园", name="东门")
    sealed = Household.objects.filter(room__unit__building__compound=gate.compound, room__unit__building__number="3",
                                      room__unit__number="1", status="active").select_related("room__unit__building").first()
    data = visitor_data(host=sealed.room.address)
    html = login("staff").post(reverse("gates:screen_visitor", args=[gate.pk]), data, **EN).content.decode()
    assert "verdict-deny" in html and "the host household is in a sealed area" in html
    passage = Passage.objects.get(client_id=data["client_id"])
    assert passage.decision == "deny" and passage.reasons == ["host_sealed"]


def test_visitor_field_errors_name_the_field_and_keep_what_was_typed(login: Any, post_gate: Gate) -> None:
    data = visitor_data(phone="12345", id_number="420106199001011235", host="99-9-999", reason="")
    response = login("gate1").post(reverse("gates:screen_visitor", args=[post_gate.pk]), data, **EN)
    html = response.content.decode()
    # Every wrong field at once, each named, with what was typed kept.
    assert "Visiting (room, e.g. 9-2-502): No household lives at “99-9-999” in 富通小区" in html
    assert "Reason: " in html and "Phone: " in html and "ID number (optional): " in html
    assert 'value="来访者甲"' in html and 'value="12345"' in html and 'value="99-9-999"' in html
    assert 'value="420106199001011235"' in html
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()
    assert not Visitor.objects.filter(phone="12345").exists()


def test_visitor_service_errors_come_back_on_their_fields(login: Any, post_gate: Gate) -> None:
    """What visitor_register refuses itself (here: an empty name after normalizing) is shown on the
    field it names."""
    data = visitor_data(name="\u200b")
    response = login("gate1").post(reverse("gates:screen_visitor", args=[post_gate.pk]), data, **EN)
    html = response.content.decode()
    assert "Name: " in html
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


def test_visitor_temperature_suggestion(login: Any, post_gate: Gate) -> None:
    data = visitor_data(temperature="364")
    html = login("gate1").post(reverse("gates:screen_visitor", args=[post_gate.pk]), data, **EN).content.decode()
    assert "did you mean 36.4?" in html and 'name="use_temperature" value="36.4"' in html


def test_the_visitor_form_takes_the_checks_already_taken(login: Any, post_gate: Gate) -> None:
    url = reverse("gates:screen_visitor", args=[post_gate.pk])
    html = login("gate1").get(url, {"temperature": "36.7", "health_code": "yellow", "mask": "no"}).content.decode()
    assert 'value="36.7"' in html and 'value="yellow" checked' in html and 'value="no" checked' in html
