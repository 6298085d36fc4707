"""The JSON API: token auth, scoping like the pages, masked numbers, JSON errors, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shequ.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _token(username: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("token", "create", username, "--name", "test", stdout=out)
    return out.getvalue().strip()


def test_token_created_by_command_authenticates_and_can_be_revoked() -> None:
    key = _token("grid1")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = client.get(reverse("api:me"))
    assert me.status_code == 200 and me.json()["username"] == "grid1"
    token = ApiToken.objects.get(user__username="grid1", revoked_at=None)
    assert key not in token.key_hash and token.prefix == key[: len(token.prefix)]
    call_command("token", "revoke", token.prefix)
    refused = client.get(reverse("api:me"))
    assert refused.status_code == 401 and "message" in refused.json()


def test_bad_token_is_401_json() -> None:
    response = Client(HTTP_AUTHORIZATION="Bearer sq_nope").get(reverse("api:persons"))
    assert response.status_code == 401 and response.json()["message"]


def test_household_through_api_is_scoped_and_masked(anchor_household: Any, other_grid_household: Any) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {_token('grid1')}")
    data = client.get(reverse("api:household", args=[anchor_household.pk])).json()
    assert data["address"] == "9-2-502" and data["persons"]
    person = anchor_household.persons.exclude(id_number=None).first()
    row = next(p for p in data["persons"] if p["id"] == person.pk)
    assert "*" in row["id_number_masked"] and person.id_number not in str(data)
    missing = client.get(reverse("api:household", args=[other_grid_household.pk]))
    assert missing.status_code == 404 and missing.json() == {"message": missing.json()["message"]}


@pytest.mark.parametrize("path", [
    "/api/v1/registry/households/abc",
    "/api/v1/registry/persons?limit=100000",
    "/api/v1/registry/persons?limit=-1",
    "/api/v1/registry/persons?grid=x",
    "/api/v1/registry/search?q=" + "9" * 5000,
    "/api/v1/registry/persons?q=%00%ff",
    "/api/v1/registry/persons?tag=%00",
    "/api/v1/registry/persons?tag=nonsense",
    "/api/v1/registry/buildings/99999999999999999999",
    "/api/v1/registry/nothing",
])
def test_bad_input_is_a_json_error_never_500(path: str, login: Any) -> None:
    response = login("secretary").get(path)
    assert response.status_code < 500
    if response.status_code >= 400 and path.startswith("/api/v1/registry/") and "nothing" not in path:
        assert "message" in response.json()


def test_search_api_finds_address(login: Any, anchor_household: Any) -> None:
    data = login("grid1").get(reverse("api:search"), {"q": "9栋2单元502室"}).json()
    assert data["kind"] == "address" and data["households"] == [anchor_household.pk]


def test_openapi_document_lists_registry_routes(login: Any) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/registry/households/{household_id}" in doc["paths"]
    assert any("bearer" in str(s).lower() for s in doc["components"]["securitySchemes"].values())
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()
