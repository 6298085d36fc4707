"""Issue 10.3: a device token is good for its device's purpose and place only. A gate device token
(even of a staff account, who may read the whole registry) calls its gate's routes and nothing else;
every other route answers as if it had no rights there."""

from __future__ import annotations

import importlib
import re
import uuid
from io import StringIO
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from tests.gates.test_api_helpers import api_client, body, device_token, members, post, post_gate, token_of

from shequ.accounts.models import ApiToken, User
from shequ.accounts.services import api_token_create
from shequ.campaigns.models import Tube
from shequ.core import api_tokens
from shequ.gates.models import Gate, GateDevice

pytestmark = pytest.mark.django_db

# The routes a gate device may call: its gate's and "who am I".
GATE_DEVICE_ROUTES = {("get", "/api/v1/me"), ("get", "/api/v1/gates/"), ("post", "/api/v1/gates/{gate_id}/passages"),
                      ("get", "/api/v1/gates/{gate_id}/passages/{client_id}")}


def _operations() -> list[tuple[str, str]]:
    doc = Client().get("/api/v1/openapi.json").json()
    return sorted((method, path) for path, item in doc["paths"].items() for method in item)


def _call(client: Client, method: str, path: str, gate_id: int) -> Any:
    url = path.replace("{gate_id}", str(gate_id)).replace("{client_id}", str(uuid.uuid4()))
    url = re.sub(r"\{[a-z_]+\}", "1", url)
    return getattr(client, method)(url, {}, content_type="application/json") if method != "get" else client.get(url)


def test_the_commands_give_tokens_their_purpose() -> None:
    device_key = device_token(post_gate().pk)
    general = StringIO()
    call_command("token", "create", "staff", stdout=general)
    assert ApiToken.objects.get(prefix=device_key[:9]).purpose == ApiToken.Purpose.GATE_DEVICE
    assert ApiToken.objects.get(prefix=general.getvalue().strip()[:9]).purpose == ApiToken.Purpose.GENERAL
    listing = StringIO()
    call_command("token", "list", stdout=listing)
    assert f"{device_key[:9]}\tgate1\tgate_device\t" in listing.getvalue()


def test_a_staff_accounts_gate_device_token_gets_nothing_beyond_its_gate(anchor_household: Any) -> None:
    gate = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    device = api_client(device_token(gate.pk, username="staff"))
    general = api_client(api_token_create(user=User.objects.get(username="staff"))[1])
    operations = _operations()
    assert len(operations) > len(GATE_DEVICE_ROUTES)
    for method, path in operations:
        response = _call(device, method, path, gate.pk)
        if (method, path) in GATE_DEVICE_ROUTES:
            assert response.status_code in (200, 201, 404, 422), (method, path, response.status_code)
        else:
            assert response.status_code == 403, (method, path, response.status_code)
            # Answered as a user without rights is: the same message, no data.
            assert response.json() == {"message": response.json()["message"]}
    # The same account with a general token reads the registry, which the device could not.
    for name in ("compounds", "persons", "grids", "counts"):
        assert general.get(reverse(f"api:{name}")).status_code == 200
    assert device.get(reverse("api:search"), {"q": "9-2-502"}).status_code == 403


def test_a_gate_device_registers_no_tube_and_reads_no_campaign(anchor_household: Any, users: dict[str, Any]) -> None:
    from tests.campaigns.conftest import open_round

    campaign = open_round(users["secretary"], buildings=[anchor_household.room.unit.building])
    device = api_client(device_token(post_gate().pk, username="staff"))
    person = members(anchor_household)[0]
    tube = {"code": "T-DEVICE-1", "pooling": 1, "samples": [{"client_id": str(uuid.uuid4()), "person_id": person.pk}]}
    response = device.post(reverse("api:campaign_tubes", args=[campaign.pk]), tube, content_type="application/json")
    assert response.status_code == 403 and not Tube.objects.filter(code="T-DEVICE-1").exists()
    for name in ("campaign_coverage", "campaign_retests"):
        assert device.get(reverse(f"api:{name}", args=[campaign.pk])).status_code == 403
    assert device.get(reverse("api:campaigns")).status_code == 403


def test_the_device_still_records_at_its_gate_and_says_who_it_is(anchor_household: Any) -> None:
    device = api_client(device_token(post_gate().pk, username="staff"))
    assert post(device, post_gate().pk, body(token_of(members(anchor_household)[0]))).status_code == 201
    me = device.get(reverse("api:me")).json()
    assert me["username"] == "staff" and me["token_purpose"] == "gate_device" and me["gate_id"] == post_gate().pk


def test_a_session_and_a_general_token_say_so_on_me(login: Any) -> None:
    assert login("staff").get(reverse("api:me")).json()["token_purpose"] is None
    key = api_token_create(user=User.objects.get(username="staff"))[1]
    me = api_client(key).get(reverse("api:me")).json()
    assert me["token_purpose"] == "general" and me["gate_id"] is None


def test_the_purpose_is_remembered_with_the_token(token_clock: list[float], anchor_household: Any) -> None:
    """tokencache keeps what authenticating produced, the purpose included: a cached device token is
    still refused beyond its gate, and a revocation elsewhere takes effect within the cache time."""
    key = device_token(post_gate().pk, username="staff")
    device = api_client(key)
    assert device.get(reverse("api:gates")).status_code == 200
    token_clock[0] += 1
    assert device.get(reverse("api:compounds")).status_code == 403  # from the cache
    assert device.get(reverse("api:gates")).status_code == 200
    ApiToken.objects.filter(prefix=key[:9]).update(revoked_at="2026-01-01T00:00:00Z")
    token_clock[0] += 4.5
    assert device.get(reverse("api:gates")).status_code == 401


def test_a_token_bound_to_a_gate_is_a_device_whatever_its_row_says(anchor_household: Any) -> None:
    key = device_token(post_gate().pk, username="staff")
    ApiToken.objects.filter(prefix=key[:9]).update(purpose=ApiToken.Purpose.GENERAL)
    device = api_client(key)
    assert device.get(reverse("api:persons")).status_code == 403
    assert device.get(reverse("api:gates")).status_code == 200


def test_a_gate_device_token_without_its_gate_is_refused(anchor_household: Any) -> None:
    key = device_token(post_gate().pk, username="staff")
    GateDevice.objects.filter(token__prefix=key[:9]).delete()
    assert api_client(key).get(reverse("api:gates")).status_code == 401


def test_the_migration_marks_the_tokens_already_bound_to_a_gate() -> None:
    key = device_token(post_gate().pk)
    plain = api_token_create(user=User.objects.get(username="gate1"))[0]
    ApiToken.objects.filter(prefix=key[:9]).update(purpose=ApiToken.Purpose.GENERAL)  # as before the migration
    migration = importlib.import_module("shequ.gates.migrations.0003_gate_device_token_purpose")
    migration.mark_device_tokens(django_apps, None)
    assert ApiToken.objects.get(prefix=key[:9]).purpose == ApiToken.Purpose.GATE_DEVICE
    assert ApiToken.objects.get(pk=plain.pk).purpose == ApiToken.Purpose.GENERAL


def test_a_route_declares_only_purposes_that_exist() -> None:
    with pytest.raises(ValueError, match="unknown"):
        api_tokens.for_tokens("gate")
    with pytest.raises(ValueError, match="none given"):
        api_tokens.for_tokens()
