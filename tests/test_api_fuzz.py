"""Issue 10.9: schemathesis over the whole API, bounded and deterministic, as a staff account's
general token and as a gate device token: no server error, no response that breaks the OpenAPI
document (body schema, status code, content type).

Each operation gets a fixed number of generated requests, valid ones and ones that break the schema
(derandomized, so a run is the same every time), sent in-process to Django inside the test's
transaction. schemathesis' own pytest loader is not used: its lazy loader does not run on pytest 9."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.generation import GenerationMode

from shequ.accounts.models import User
from shequ.accounts.services import api_token_create
from tests.gates.test_api_helpers import device_token, post_gate

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance, checks.status_code_conformance,
          checks.content_type_conformance]


def _wsgi() -> Any:
    """Django's test handler as a WSGI application: requests run inside the test's transaction (it
    keeps close_old_connections away from the test's connection) and CSRF is enforced."""
    from django.test.client import ClientHandler

    handler = ClientHandler(enforce_csrf_checks=True)

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        response = handler(environ)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return iter([response.content])

    return app


def _fuzz(token: str) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _wsgi())
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                      report_multiple_bugs=False)
            def run(case: Any) -> None:
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # the first failure of each operation
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                                f"{str(exc).strip()[:1500]}")
    return failures


def test_the_api_holds_to_its_schema_for_a_staff_token(db: Any) -> None:
    failures = _fuzz(api_token_create(user=User.objects.get(username="staff"))[1])
    assert not failures, "\n\n".join(failures)


def test_the_api_holds_to_its_schema_for_a_gate_device_token(db: Any) -> None:
    failures = _fuzz(device_token(post_gate().pk))
    assert not failures, "\n\n".join(failures)
