"""A device posting passages with a remembered token reads no token, membership, gate post or gate row
again (accounts/tokencache.py, gates/gatecache.py): the hot path stays what it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.gates.test_api_helpers import api_client, body, device_token, members, post, post_gate, token_of

pytestmark = pytest.mark.django_db


def test_a_remembered_device_reads_only_what_the_passage_needs(anchor_household: Any, token_clock: list[float]) -> None:
    gate = post_gate()
    client = api_client(device_token(gate.pk))
    credential = token_of(members(anchor_household)[0])
    assert post(client, gate.pk, body(credential)).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert post(client, gate.pk, body(credential, direction="out")).status_code == 201
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("accounts_apitoken", "accounts_membership", "accounts_user", "gates_gateguard", "gates_gatedevice",
                  'FROM "gates_gate" '):
        assert table not in sql, (table, sql)
