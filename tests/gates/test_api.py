"""The gate devices' API: POST a passage, ask what became of one, device tokens bound to a gate."""

from __future__ import annotations

import datetime as dt
import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from shequ.accounts.models import ApiToken
from shequ.audit.models import AuditEvent
from shequ.core.masking import mask_id_number, mask_name, mask_phone
from shequ.gates.models import GateDevice, Passage
from shequ.registry.models import Household
from tests.conftest import FixedClock as Clock
from tests.facts import give_numbers
from tests.gates.conftest import SHANGHAI
from tests.gates.test_api_helpers import (
    api_client,
    body,
    device_token,
    gate,
    members,
    post,
    post_gate,
    token_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(db: Any) -> Client:
    return api_client(device_token(post_gate().pk))


def test_a_passage_is_201_with_the_verdict_and_masked_person(device: Client, anchor_household: Household,
                                                             clock: Clock) -> None:
    clock.at = dt.datetime(2026, 1, 5, 8, 3, tzinfo=SHANGHAI)
    person = give_numbers(members(anchor_household)[0])
    data = body(token_of(person), recorded_at="2026-01-05T08:00:00+08:00")
    response = post(device, post_gate().pk, data)
    assert response.status_code == 201, response.content
    out = response.json()
    passage = Passage.objects.get(pk=out["passage_id"])
    assert out["decision"] == "allow" and out["reasons"] == [] and out["reason_labels"] == []
    assert out["created"] is True and out["client_id"] == data["client_id"] and out["gate_id"] == post_gate().pk
    assert out["person"] == {
        "kind": "resident", "id": person.pk, "name": mask_name(person.name),
        "id_number": mask_id_number(person.id_number), "phone": mask_phone(person.phone),
        "address": "富通小区 9-2-502",
    }
    text = response.content.decode()
    assert person.name not in text and person.id_number not in text and person.phone not in text
    assert passage.person == person and passage.guard.username == "gate1" and passage.credential == "pass"
    assert passage.recorded_at.isoformat().startswith("2026-01-05T00:00:00")


def test_a_cold_forehead_reading_is_recorded_and_43_is_refused(device: Client, anchor_household: Household) -> None:
    """The system's one range (core/temperature.py): 34.5 on a cold night is real, 43 is not."""
    token = token_of(members(anchor_household)[0])
    cold = body(token, temperature="34.5")
    assert post(device, post_gate().pk, cold).status_code == 201
    assert str(Passage.objects.get(client_id=cold["client_id"]).temperature) == "34.5"
    hot = body(token, temperature="43")
    response = post(device, post_gate().pk, hot)
    assert response.status_code == 422
    out = response.json()
    assert [e["field"] for e in out["errors"]] == ["temperature"]
    assert "34.0" in out["message"] and "42.0" in out["message"]


def test_a_refusal_names_its_reasons(device: Client, anchor_household: Household) -> None:
    person = members(anchor_household)[0]
    response = post(device, post_gate().pk, body(token_of(person), temperature="38.1", health_code="red"))
    assert response.status_code == 201
    out = response.json()
    assert out["decision"] == "deny" and out["reasons"] == ["fever", "code_red"] and len(out["reason_labels"]) == 2


def test_id_number_and_phone_identify_too(device: Client, anchor_household: Household) -> None:
    person = give_numbers(members(anchor_household)[0])
    by_id = post(device, post_gate().pk, body(person.id_number))
    assert by_id.status_code == 201 and by_id.json()["person"]["id"] == person.pk
    assert Passage.objects.get(pk=by_id.json()["passage_id"]).credential == "id"


def test_unknown_credential_is_a_refusal_without_person(device: Client) -> None:
    response = post(device, post_gate().pk, body("13000000000"))
    assert response.status_code == 201
    assert response.json()["decision"] == "deny" and response.json()["reasons"] == ["unknown_person"]
    assert response.json()["person"] is None


def test_the_same_client_id_again_returns_the_first_result_and_records_nothing(
    device: Client, anchor_household: Household,
) -> None:
    person = members(anchor_household)[0]
    data = body(token_of(person))
    first = post(device, post_gate().pk, data)
    # The retry carries different checks (a buggy device): the first result still stands.
    again = post(device, post_gate().pk, {**data, "temperature": 39.0})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["passage_id"] == first.json()["passage_id"]
    assert again.json()["decision"] == first.json()["decision"] == "allow"
    assert again.json()["created"] is False and again.json()["person"] == first.json()["person"]
    assert Passage.objects.filter(client_id=data["client_id"]).count() == 1


def test_a_client_id_used_at_another_gate_is_409(anchor_household: Household) -> None:
    key = _plain_token("secretary")
    client = api_client(key)
    data = body(token_of(members(anchor_household)[0]))
    assert post(client, post_gate().pk, data).status_code == 201
    other = gate("富通小区", "南门")
    response = post(client, other.pk, data)
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "client_id"
    assert Passage.objects.filter(client_id=data["client_id"]).count() == 1


@pytest.mark.parametrize(("change", "field", "fragment"), [
    ({"temperature": 365}, "temperature", "36.5"),
    ({"temperature": "3.65"}, "temperature", "36.5"),
    ({"temperature": 12}, "temperature", "34.0"),
    ({"credential": "  "}, "credential", ""),
    ({"recorded_at": "2099-01-01T00:00:00+08:00"}, "recorded_at", ""),
    ({"recorded_at": "2022-03-29T11:59:59+08:00"}, "recorded_at", "7"),
    ({"recorded_at": "2022-04-05T12:05:01+08:00"}, "recorded_at", "5"),
])
def test_bad_input_is_422_naming_the_field(device: Client, anchor_household: Household, change: dict[str, Any],
                                          field: str, fragment: str, clock: Clock) -> None:
    clock.set(dt.datetime(2022, 4, 5, 12, 0, tzinfo=SHANGHAI))
    data = {**body(token_of(members(anchor_household)[0])), **change}
    response = post(device, post_gate().pk, data)
    assert response.status_code == 422, response.content
    out = response.json()
    assert [e["field"] for e in out["errors"]] == [field]
    assert fragment in out["message"] and field in out["message"]
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"direction": "sideways"}, "direction"),
    ({"health_code": "blue"}, "health_code"),
    ({"client_id": "not-a-uuid"}, "client_id"),
    ({"temperature": "hot"}, "temperature"),
    ({"mask": None}, "mask"),
    ({"mask": "yes"}, "mask"),
    ({"mask": 1}, "mask"),
    ({"mask": 0}, "mask"),
    ({"mask": "true"}, "mask"),
    ({"mask": "false"}, "mask"),
])
def test_malformed_input_is_422_naming_the_field(device: Client, change: dict[str, Any], field: str) -> None:
    response = post(device, post_gate().pk, body("x", **change))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_ask_what_became_of_a_queued_passage(device: Client, anchor_household: Household) -> None:
    data = body(token_of(members(anchor_household)[0]))
    url = reverse("api:gate_passage", args=[post_gate().pk, data["client_id"]])
    assert device.get(url).status_code == 404  # never received: send it again
    created = post(device, post_gate().pk, data).json()
    found = device.get(url)
    assert found.status_code == 200
    assert found.json()["passage_id"] == created["passage_id"] and found.json()["created"] is False
    # Asked at another gate, it is not there.
    secretary = api_client(_plain_token("secretary"))
    other = reverse("api:gate_passage", args=[gate("富通小区", "南门").pk, data["client_id"]])
    assert secretary.get(other).status_code == 404
    assert secretary.get(url).status_code == 200


# -- scoping -------------------------------------------------------------------------------------
def test_a_device_token_sees_and_posts_only_at_its_gate(device: Client, anchor_household: Household) -> None:
    listed = device.get(reverse("api:gates"))
    assert [g["id"] for g in listed.json()] == [post_gate().pk]
    data = body(token_of(members(anchor_household)[0]))
    for other in (gate("富通小区", "南门"), gate("江南家园", "东门")):
        assert post(device, other.pk, data).status_code == 404
        assert device.get(reverse("api:gate_passage", args=[other.pk, data["client_id"]])).status_code == 404
    assert post(device, 10**9, data).status_code == 404
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


def test_a_device_of_another_gate_of_the_same_compound_is_refused(anchor_household: Household) -> None:
    south = gate("富通小区", "南门")
    key = device_token(south.pk, username="staff")
    client = api_client(key)
    data = body(token_of(members(anchor_household)[0]))
    assert post(client, post_gate().pk, data).status_code == 404
    assert post(client, south.pk, data).status_code == 201


def test_a_guard_cannot_post_at_another_compounds_gate(anchor_household: Household) -> None:
    client = api_client(_plain_token("gate1"))
    data = body(token_of(members(anchor_household)[0]))
    assert post(client, gate("江南家园", "东门").pk, data).status_code == 404
    assert post(client, post_gate().pk, data).status_code == 201


def test_an_outsider_gets_404_and_roles_without_the_screen_403(anchor_household: Household) -> None:
    data = body(token_of(members(anchor_household)[0]))
    assert post(api_client(_plain_token("outsider")), post_gate().pk, data).status_code == 404
    assert post(api_client(_plain_token("grid1")), post_gate().pk, data).status_code == 403
    assert post(Client(), post_gate().pk, data).status_code == 401
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


def test_a_browser_session_needs_csrf_to_post(login: Any, anchor_household: Household) -> None:
    client = login("gate1")
    client.handler.enforce_csrf_checks = True
    response = post(client, post_gate().pk, body(token_of(members(anchor_household)[0])))
    assert response.status_code in (401, 403)


# -- the gate_device command ---------------------------------------------------------------------
def test_gate_device_create_list_revoke_is_audited(anchor_household: Household) -> None:
    key = device_token(post_gate().pk)
    token = ApiToken.objects.get(prefix=key[:9], revoked_at=None)
    device = GateDevice.objects.get(token=token)
    assert device.gate == post_gate() and device.community_id == post_gate().community_id
    assert AuditEvent.objects.filter(object_type="gatedevice", object_id=str(device.pk),
                                     action=AuditEvent.Action.TOKEN).exists()
    out = StringIO()
    call_command("gate_device", "list", "--gate", str(post_gate().pk), stdout=out)
    assert token.prefix in out.getvalue() and "active" in out.getvalue() and key not in out.getvalue()
    call_command("gate_device", "revoke", token.prefix, stdout=StringIO())
    assert AuditEvent.objects.filter(object_type="gatedevice", object_id=str(device.pk),
                                     summary__contains="revoked").exists()
    response = post(api_client(key), post_gate().pk, body(token_of(members(anchor_household)[0])))
    assert response.status_code == 401


def test_gate_device_refuses_a_user_who_may_not_record_there() -> None:
    from django.utils import translation

    for username in ("resident1", "outsider", "grid1"):
        with translation.override("zh-hans"), pytest.raises(CommandError, match="may not record"):
            call_command("gate_device", "create", "--gate", str(post_gate().pk), "--user", username,
                         stdout=StringIO())
    with pytest.raises(CommandError, match="no gate"):
        call_command("gate_device", "create", "--gate", str(10**9), "--user", "gate1", stdout=StringIO())
    with pytest.raises(CommandError, match="may not record"):  # gate1 is posted to 东门 only
        call_command("gate_device", "create", "--gate", str(gate("江南家园", "东门").pk), "--user", "gate1",
                     stdout=StringIO())
    assert not GateDevice.objects.exists()


def test_gate_device_list_gates_shows_ids() -> None:
    out = StringIO()
    call_command("gate_device", "list", "--gates", stdout=out)
    assert f"{post_gate().pk}\tfutong\t富通小区\t东门" in out.getvalue()


def _plain_token(username: str) -> str:
    out = StringIO()
    call_command("token", "create", username, stdout=out)
    return out.getvalue().strip()


def test_replay_of_a_visitor_passage_names_the_visitor(anchor_household: Household) -> None:
    from shequ.gates import services

    checks = services.parse_checks(direction="in", temperature="36.6", health_code="green", mask=True)
    client_id = uuid.uuid4()
    result = services.visitor_register(gate=post_gate(), actor=None, name="王小明", phone="13912345678",
                                       host_household=anchor_household, reason="送药", checks=checks,
                                       client_id=client_id)
    device = api_client(device_token(post_gate().pk))
    found = device.get(reverse("api:gate_passage", args=[post_gate().pk, client_id]))
    assert found.status_code == 200
    subject = found.json()["person"]
    assert subject["kind"] == "visitor" and subject["name"] == "王*明" and subject["phone"] == "139****5678"
    assert found.json()["passage_id"] == result.passage.pk
