"""API tokens are remembered per process for API_TOKEN_CACHE_SECONDS (accounts/tokencache.py):
a change made in this process takes effect at once, one made elsewhere within that time."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shequ.accounts.models import ApiToken, Membership, User
from shequ.accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

URL = "/api/v1/registry/compounds"


def _client(username: str = "staff") -> tuple[Client, ApiToken]:
    token, key = api_token_create(user=User.objects.get(username=username))
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}"), token


def test_revoking_through_the_service_takes_effect_at_once() -> None:
    client, token = _client()
    assert client.get(URL).status_code == 200
    api_token_revoke(token=token)
    assert client.get(URL).status_code == 401


def test_a_revocation_made_elsewhere_is_honoured_within_the_cache_time(token_clock: list[float]) -> None:
    clock = token_clock
    client, token = _client()
    assert client.get(URL).status_code == 200
    # Another app-server process revokes it: this one does not hear of it...
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    clock[0] += 4.9
    assert client.get(URL).status_code == 200
    # ...until what it remembered is older than API_TOKEN_CACHE_SECONDS.
    clock[0] += 0.2
    assert client.get(URL).status_code == 401


def test_with_the_cache_off_every_request_reads_the_token(settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 0
    client, token = _client()
    assert client.get(URL).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get(URL).status_code == 401


def test_a_membership_removed_in_this_process_narrows_the_scope_at_once() -> None:
    client, _token = _client("staff")
    assert client.get(URL).json()
    Membership.objects.filter(user__username="staff").delete()
    assert client.get(URL).status_code == 403  # no role left that may see places


def test_deactivating_the_user_in_this_process_refuses_the_token_at_once() -> None:
    client, _token = _client("staff")
    assert client.get(URL).status_code == 200
    user = User.objects.get(username="staff")
    user.is_active = False
    user.save()
    assert client.get(URL).status_code == 401
