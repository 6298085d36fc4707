"""Scope.sees_gate (no query, for each passage) agrees with Scope.gates_qs (the one scoping rule)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from shequ.core.scoping import scope_for
from shequ.gates import selectors
from shequ.gates.models import Gate
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db


def test_sees_gate_agrees_with_gates_qs_for_every_role_and_gate(users: dict[str, Any]) -> None:
    gates = list(Gate.objects.select_related("community").order_by("id"))
    assert len(gates) > 5
    scopes = [scope_for(users[name]) for name in ROLES]
    foreign = next(g for g in gates if g.community.code == "nanxincun")
    scopes += [scope_for(users["gate1"], device_gate=gates[0].pk), scope_for(users["staff"], device_gate=gates[1].pk),
               # bound to a gate of a community where the user has no role: the binding widens nothing
               scope_for(users["gate1"], device_gate=foreign.pk)]
    assert not scope_for(users["gate1"], device_gate=foreign.pk).gates_qs(Gate.objects.all()).exists()
    for scope in scopes:
        visible = set(scope.gates_qs(Gate.objects.all()).values_list("pk", flat=True))
        assert {g.pk for g in gates if scope.sees_gate(g.pk, g.community_id)} == visible
        for g in gates:
            if g.pk in visible:
                assert selectors.gate_for_recording(scope, g.pk).pk == g.pk
            else:
                with pytest.raises(Http404):
                    selectors.gate_for_recording(scope, g.pk)
    assert any(set(s.gates_qs(Gate.objects.all()).values_list("pk", flat=True)) for s in scopes)


def test_a_gate_closed_here_is_obeyed_at_once_and_one_closed_elsewhere_within_the_cache_time(
        anchor_household: Any, token_clock: list[float]) -> None:
    from shequ.gates import services
    from tests.gates.test_api_helpers import api_client, body, device_token, gate, members, post, token_of

    now = token_clock
    south = gate("富通小区", "南门")
    client = api_client(device_token(south.pk, "staff"))
    credential = token_of(members(anchor_household)[0])
    assert post(client, south.pk, body(credential)).json()["decision"] == "allow"
    # Closed through the office page (the service): refused on the next passage.
    services.gate_set_status(actor=None, gate=south, status=Gate.Status.CLOSED)
    assert post(client, south.pk, body(credential)).json()["reasons"] == ["gate_closed"]
    # Opened by another app server (no signal reaches this process): obeyed once the remembered
    # row is older than API_TOKEN_CACHE_SECONDS.
    Gate.objects.filter(pk=south.pk).update(status=Gate.Status.OPEN)
    now[0] += 4
    assert post(client, south.pk, body(credential)).json()["reasons"] == ["gate_closed"]
    now[0] += 2
    assert post(client, south.pk, body(credential)).json()["decision"] == "allow"
