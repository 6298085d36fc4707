"""Times sent by gate devices: an offline device's clock without a zone is the community's local time;
a time ahead of the server is refused, naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.gates.models import Passage
from shequ.registry.models import Household
from tests.gates.test_api_helpers import api_client, body, device_token, members, post, post_gate, token_of

pytestmark = pytest.mark.django_db


def test_a_naive_recorded_at_is_the_communitys_local_time(anchor_household: Household, clock: Any) -> None:
    clock.set_local(2022, 1, 26, 8, 30)
    device = api_client(device_token(post_gate().pk))
    response = post(device, post_gate().pk, body(token_of(members(anchor_household)[0]),
                                                   recorded_at="2022-01-26T08:05:00"))
    assert response.status_code == 201, response.content
    passage = Passage.objects.get(pk=response.json()["passage_id"])
    assert passage.recorded_at == dt.datetime(2022, 1, 26, 0, 5, tzinfo=dt.UTC)
    assert passage.received_at == clock.at
    assert response.json()["recorded_at"].startswith("2022-01-26T")


def test_a_recorded_at_ahead_of_the_server_is_422_naming_the_field(anchor_household: Household, clock: Any) -> None:
    clock.set_local(2022, 1, 26, 8, 30)
    device = api_client(device_token(post_gate().pk))
    data = body(token_of(members(anchor_household)[0]), recorded_at="2022-01-26T09:00:00+08:00")
    response = post(device, post_gate().pk, data)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["recorded_at"]
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()
