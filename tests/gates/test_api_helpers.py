"""Helpers shared by the gate API and service tests (no tests here)."""

from __future__ import annotations

import uuid
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shequ.gates.models import Gate
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass
from shequ.registry.models import Household, Person


def gate(compound: str, name: str, community: str = "futong") -> Gate:
    return Gate.objects.select_related("compound", "community").get(
        community__code=community, compound__name=compound, name=name)


def post_gate() -> Gate:
    """gate1's post: 富通小区 东门, behind which the anchor household (9-2-502) lives."""
    return gate("富通小区", "东门")


def members(household: Household) -> list[Person]:
    return list(household.persons.filter(status=Person.Status.ACTIVE).order_by("id"))


def token_of(person: Person) -> str:
    return pass_tokens.token_for(Pass.objects.get(person=person, revoked_at__isnull=True).code)


def device_token(gate_id: int, username: str = "gate1") -> str:
    out = StringIO()
    call_command("gate_device", "create", "--gate", str(gate_id), "--user", username, stdout=out)
    return out.getvalue().strip()


def api_client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def body(credential: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"credential": credential, "direction": "in", "temperature": 36.5, "health_code": "green",
                            "mask": True, "client_id": str(uuid.uuid4())}
    data.update(changes)
    return data


def post(client: Client, gate_id: int, data: dict[str, Any]) -> Any:
    return client.post(reverse("api:gate_passages", args=[gate_id]), data, content_type="application/json")
