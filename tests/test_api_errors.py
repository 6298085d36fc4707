"""Issue 10.8: every response under /api/ is JSON in the user's language, whatever went wrong:
unknown routes and methods, bad and oversized input, numbers beyond the database's range, a bad
token on a write, a server error and a database outage; and the OpenAPI document names each schema
once, so that every $ref means the schema of its own route."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from shequ.accounts.models import User
from shequ.accounts.services import api_token_create, api_token_revoke
from tests.gates.test_api_helpers import api_client, body, members, post_gate, token_of

pytestmark = pytest.mark.django_db

HUGE = 2**70
HUGER = "99999999999999999999"


def _json(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    data = json.loads(response.content)
    assert isinstance(data.get("message"), str) and data["message"]
    return data


def _staff_token() -> Client:
    return api_client(api_token_create(user=User.objects.get(username="staff"))[1])


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "未找到"), ("en", "Not found")])
def test_an_unknown_route_is_json_404_in_the_users_language(language: str, text: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for path in ("/api/v1/nothing", "/api/v1/registry/nothing/deeper", "/api/nothing"):
        assert text in _json(client.get(path), 404)["message"]


def test_a_method_the_route_does_not_have_is_json_405_with_allow() -> None:
    response = _staff_token().delete(reverse("api:persons"))
    data = _json(response, 405)
    assert "GET" in response["Allow"] and data["message"]
    assert "不允许" in _json(Client().put("/api/v1/me"), 405)["message"]  # Chinese by default


def test_unauthenticated_and_forbidden_are_json() -> None:
    _json(Client().get(reverse("api:persons")), 401)
    _json(api_client(api_token_create(user=User.objects.get(username="gate1"))[1]).get(reverse("api:persons")), 403)


def test_a_revoked_or_invalid_token_on_a_post_is_401_not_a_csrf_403(anchor_household: Any) -> None:
    token, key = api_token_create(user=User.objects.get(username="gate1"))
    api_token_revoke(token=token)
    data = body(token_of(members(anchor_household)[0]))
    url = reverse("api:gate_passages", args=[post_gate().pk])
    for header in (f"Bearer {key}", "Bearer sq_nope", "Bearer ", "Basic Z2F0ZTE6eA==", "sq_nope"):
        response = Client(HTTP_AUTHORIZATION=header).post(url, data, content_type="application/json")
        assert "CSRF" not in _json(response, 401)["message"]
    # No credentials at all is 401 too, not a complaint about a missing CSRF token.
    _json(Client().post(url, data, content_type="application/json"), 401)


def test_a_logged_in_browser_without_the_csrf_token_is_a_translated_403(login: Any, anchor_household: Any) -> None:
    client = login("gate1")
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("api:gate_passages", args=[post_gate().pk]),
                           body(token_of(members(anchor_household)[0])), content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "CSRF" in _json(response, 403)["message"] and "Failed" not in response.json()["message"]


@pytest.mark.parametrize("path", [
    f"/api/v1/registry/persons?offset={HUGER}",
    f"/api/v1/registry/persons?limit=5&offset={HUGE}",
    f"/api/v1/registry/persons?grid={HUGE}",
    f"/api/v1/registry/persons?compound={-HUGE}",
    f"/api/v1/registry/persons/{HUGE}",
    f"/api/v1/registry/households/{HUGER}",
    f"/api/v1/registry/buildings/{HUGE}",
    f"/api/v1/registry/compounds/{HUGE}/buildings",
    f"/api/v1/gates/{HUGE}/passages/{uuid.UUID(int=1)}",
    f"/api/v1/campaigns/{HUGE}/coverage",
    f"/api/v1/campaigns/{HUGER}/retests",
])
def test_integers_beyond_the_databases_range_are_422_naming_the_field(path: str) -> None:
    data = _json(_staff_token().get(path), 422)
    assert data["errors"] and all(e["field"] for e in data["errors"])


def test_integers_beyond_range_in_a_body_are_422(anchor_household: Any) -> None:
    client = _staff_token()
    passage = body(token_of(members(anchor_household)[0]))
    _json(client.post(f"/api/v1/gates/{HUGE}/passages", passage, content_type="application/json"), 422)
    tube = {"code": "T-HUGE", "pooling": 1, "samples": [{"client_id": str(uuid.uuid4()), "person_id": HUGE}]}
    data = _json(client.post("/api/v1/campaigns/1/tubes", tube, content_type="application/json"), 422)
    assert any("person_id" in (e["field"] or "") for e in data["errors"])
    tube = {"code": "T-HUGE", "pooling": HUGE, "point_id": HUGE, "samples": []}
    _json(client.post("/api/v1/campaigns/1/tubes", tube, content_type="application/json"), 422)


def test_a_body_over_the_limit_is_json_413(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = json.dumps({"credential": "x" * 4096, "direction": "in", "health_code": "green", "mask": True,
                      "client_id": str(uuid.uuid4())})
    response = _staff_token().post(reverse("api:gate_passages", args=[post_gate().pk]), big,
                                   content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert "large" in _json(response, 413)["message"]


def test_a_body_that_is_not_json_is_json_400_or_422() -> None:
    response = _staff_token().post(reverse("api:gate_passages", args=[post_gate().pk]), b"{not json",
                                   content_type="application/json")
    assert response.status_code in (400, 422)
    _json(response, response.status_code)


def test_a_server_error_is_json_500_in_the_users_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from shequ.registry import selectors

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "grid_list", broken)
    client = _staff_token()
    client.raise_request_exception = False
    response = client.get(reverse("api:grids"), HTTP_ACCEPT_LANGUAGE="en")
    data = _json(response, 500)
    assert "a bug" not in data["message"] and "logged" in data["message"]


def _database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query fails as it does while PostgreSQL restarts, or SQLite stays locked past its busy
    timeout: the driver's error, wrapped by Django."""
    import sqlite3

    from django.db import connection
    from django.db.backends.utils import CursorWrapper

    if connection.vendor == "postgresql":
        import psycopg

        driver_error: Exception = psycopg.OperationalError("connection failed: Connection refused")
    else:
        driver_error = sqlite3.OperationalError("database is locked")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(str(driver_error)) from driver_error

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


def test_a_database_outage_is_503_with_retry_after_json_for_the_api(monkeypatch: pytest.MonkeyPatch,
                                                                    anchor_household: Any) -> None:
    client = _staff_token()
    client.raise_request_exception = False
    data = body(token_of(members(anchor_household)[0]))
    url = reverse("api:gate_passages", args=[post_gate().pk])
    _database_down(monkeypatch)
    response = client.post(url, data,
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert "try again" in _json(response, 503)["message"]
    assert int(response["Retry-After"]) > 0


def test_a_mistake_in_sql_is_a_500_not_an_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from django.db.backends.utils import CursorWrapper

    def mistake(*args: Any, **kwargs: Any) -> Any:
        cause = sqlite3.OperationalError("no such table: registry_grid")
        raise OperationalError(str(cause)) from cause

    client = _staff_token()
    client.raise_request_exception = False
    client.get(reverse("api:me"))  # the token is remembered: only the view's query fails
    monkeypatch.setattr(CursorWrapper, "execute", mistake)
    assert _json(client.get(reverse("api:grids")), 500) and "Retry-After" not in client.get(reverse("api:grids"))


def test_a_database_outage_is_a_plain_503_page_for_the_browser(monkeypatch: pytest.MonkeyPatch,
                                                               login: Any) -> None:
    client = login("staff")
    client.raise_request_exception = False
    _database_down(monkeypatch)
    response = client.get(reverse("registry:persons"))
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html") and "请稍后" in response.content.decode()


def test_every_ref_of_the_openapi_document_is_the_schema_of_its_own_route() -> None:
    from ninja.openapi.schema import REF_TEMPLATE, NinjaGenerateJsonSchema

    from shequ.accounts.api import router as accounts
    from shequ.campaigns.api import router as campaigns
    from shequ.gates.api import router as gates
    from shequ.registry.api import router as registry

    components = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    checked = 0
    for router in (accounts, registry, gates, campaigns):
        for path, view in router.path_operations.items():
            for operation in view.operations:
                models = [(m, "serialization") for m in operation.response_models.values() if hasattr(m, "model_json_schema")]
                models += [(m, "validation") for m in operation.models
                           if getattr(m, "__ninja_param_source__", None) == "body"]
                for model, mode in models:
                    own = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema,
                                                  mode=mode)
                    for name, schema in own.get("$defs", {}).items():
                        assert components.get(name) == schema, (path, name)
                        checked += 1
    assert checked > 10
