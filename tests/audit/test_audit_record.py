"""audit_record, the one function every audited act calls: who (a user, or a name for failed logins
and the command line), what, about which object, the summary, and the client's address."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record, client_address, diff
from shequ.registry.models import Community

pytestmark = pytest.mark.django_db


def test_a_user_is_recorded_as_the_actor_and_by_name(users: dict[str, Any]) -> None:
    futong = Community.objects.get(code="futong")
    event = audit_record(actor=users["grid1"], action=AuditEvent.Action.UPDATE, community=futong, obj=futong,
                         summary="改了")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.actor_username, stored.community, stored.summary) == (
        users["grid1"], "grid1", futong, "改了")
    assert (stored.object_type, stored.object_id) == ("community", str(futong.pk))


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_without_a_user_the_name_given_is_recorded(actor: Any) -> None:
    stored = AuditEvent.objects.get(pk=audit_record(actor=actor, action=AuditEvent.Action.LOGIN_FAILED,
                                                    username="nobody").pk)
    assert (stored.actor, stored.actor_username) == (None, "nobody")
    bare = AuditEvent.objects.get(pk=audit_record(actor=actor, action=AuditEvent.Action.TOKEN).pk)
    assert (bare.actor, bare.actor_username, bare.summary, bare.object_type, bare.object_id, bare.community) == (
        None, "", "", "", "", None)
    assert (bare.before, bare.after, bare.ip_address) == (None, None, None)


def test_long_names_and_summaries_are_cut_to_their_columns() -> None:
    stored = AuditEvent.objects.get(pk=audit_record(actor=None, action=AuditEvent.Action.LOGIN_FAILED,
                                                    username="x" * 200, summary="y" * 400).pk)
    assert stored.actor_username == "x" * 150 and stored.summary == "y" * 300


def test_the_client_address_comes_from_the_request(settings: Any) -> None:
    settings.SHEQU_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.5")
    stored = AuditEvent.objects.get(pk=audit_record(actor=None, action=AuditEvent.Action.EXPORT,
                                                    request=request).pk)
    assert stored.ip_address == "192.0.2.5"


@pytest.mark.parametrize(("forwarded", "proxies", "client"), [
    ("6.6.6.6,192.0.2.7", 1, "192.0.2.7"),  # no spaces between the entries
    ("6.6.6.6, 192.0.2.7", 2, "6.6.6.6"),
    (None, 1, "10.0.0.2"),  # behind a proxy that sent no header: the connection's address
    ("", 1, "10.0.0.2"),
    ("not-an-address", 1, "10.0.0.2"),
])
def test_behind_proxies_the_client_is_the_trusted_entry(settings: Any, forwarded: str | None, proxies: int,
                                                        client: str) -> None:
    settings.SHEQU_PROXY_COUNT = proxies
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **extra)) == client
    assert client_address(None) is None


def test_diff_keeps_the_changed_fields_with_both_sides() -> None:
    assert diff({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "c": 3, "d": 4}) == ({"b": 2, "d": None}, {"b": 5, "d": 4})
    assert diff({"a": 1}, {"a": 1}) == ({}, {})
