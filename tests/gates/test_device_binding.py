"""A device token bound to a gate acts as its user: the binding never widens what that user may do.

A guard's tablet was bound to 富通小区 东门 while they were posted there; the guard is then moved to
the other community (their futong membership replaced by one in nanxincun). The tablet's token
still names the futong gate, but its user no longer holds a gate role in that community: the API
answers 404 for that gate, as for a gate that does not exist, and records nothing."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts.models import Membership, Role
from shequ.gates.models import Passage
from shequ.registry.models import Community, Household
from tests.gates.test_api_helpers import api_client, body, device_token, members, post, post_gate, token_of

pytestmark = pytest.mark.django_db


def test_a_binding_does_not_outlive_the_users_role_in_the_gates_community(anchor_household: Household,
                                                                          users: dict[str, Any]) -> None:
    gate = post_gate()
    device = api_client(device_token(gate.pk, "gate1"))
    credential = token_of(members(anchor_household)[0])
    assert post(device, gate.pk, body(credential)).status_code == 201  # bound and allowed: recorded

    guard = users["gate1"]
    Membership.objects.filter(user=guard, community=gate.community).delete()
    Membership.objects.create(user=guard, role=Role.GATE_GUARD, community=Community.objects.get(code="nanxincun"))

    before = Passage.objects.filter(gate=gate).count()
    data = body(credential)
    refused = post(device, gate.pk, data)
    assert refused.status_code == 404, refused.content
    asked = device.get(f"/api/v1/gates/{gate.pk}/passages/{data['client_id']}")
    assert asked.status_code == 404
    assert Passage.objects.filter(gate=gate).count() == before
    # The same token lists nothing it may record at.
    assert device.get("/api/v1/gates/").json() == []
