"""API tokens are remembered per process for API_TOKEN_CACHE_SECONDS (accounts/tokencache.py):
a change made through this process's services takes effect at once, one made elsewhere (or below
the services) within that time."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shequ.accounts.models import ApiToken, Membership, User
from shequ.accounts.services import api_token_create, api_token_revoke, member_set_active, membership_remove

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
    for membership in Membership.objects.filter(user__username="staff"):
        membership_remove(actor=None, membership=membership)
    assert client.get(URL).status_code == 403  # no role left that may see places


def test_deactivating_the_user_in_this_process_refuses_the_token_at_once() -> None:
    client, _token = _client("staff")
    assert client.get(URL).status_code == 200
    member_set_active(actor=None, user=User.objects.get(username="staff"), active=False)
    assert client.get(URL).status_code == 401


def test_a_change_below_the_services_is_honoured_within_the_cache_time(token_clock: list[float]) -> None:
    """No signal forgets tokens: a membership deleted or a user deactivated by a QuerySet (as the
    shell or another process would) is obeyed once what was remembered is old enough."""
    client, _token = _client("staff")
    assert client.get(URL).status_code == 200
    User.objects.filter(username="staff").update(is_active=False)
    token_clock[0] += 4.9
    assert client.get(URL).status_code == 200
    token_clock[0] += 0.2
    assert client.get(URL).status_code == 401


def test_each_request_gets_its_own_user_and_an_immutable_scope(token_clock: list[float]) -> None:
    """What is remembered is values: no User object is shared between two requests of one token."""
    from shequ.accounts import tokencache

    _client_, token = _client("staff")
    users = []
    for _ in range(2):
        response = _client_.get("/api/v1/me")
        assert response.status_code == 200
        users.append(response.wsgi_request.user)
    assert users[0] is not users[1] and users[0].pk == users[1].pk == token.user_id
    remembered = tokencache.recall(token.key_hash)
    assert remembered is not None and remembered.user() is not remembered.user()
    with pytest.raises(TypeError):
        remembered.scope.grants["community"] = frozenset()  # type: ignore[index]
    with pytest.raises(AttributeError):
        remembered.scope.roles = frozenset()  # type: ignore[misc]
