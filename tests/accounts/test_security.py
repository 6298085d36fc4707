"""Login, throttling, session expiry, CSRF, secure headers and CSP, audit of logins."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from tests.conftest import TEST_PASSWORD

from shequ.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_login_and_failed_login_are_audited() -> None:
    client = Client()
    bad = client.post(reverse("accounts:login"), {"username": "grid1", "password": "wrong"})
    assert bad.status_code == 200
    failed = AuditEvent.objects.filter(action="login_failed").latest("id")
    assert failed.actor_username == "grid1" and failed.actor is None
    good = client.post(reverse("accounts:login"), {"username": "grid1", "password": TEST_PASSWORD})
    assert good.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor_username="grid1").exists()


def test_repeated_failures_lock_the_account_for_that_address() -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"})
    locked = client.post(reverse("accounts:login"), {"username": "staff", "password": TEST_PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_session_expires_after_inactivity() -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    client = Client()
    client.post(reverse("accounts:login"), {"username": "grid1", "password": TEST_PASSWORD})
    assert client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE


def test_csrf_is_enforced_on_login() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "grid1", "password": TEST_PASSWORD})
    assert response.status_code == 403


def test_security_headers_and_csp_without_inline_script(login: Any, anchor_household: Any) -> None:
    response = login("grid1").get(reverse("registry:household", args=[anchor_household.pk]))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    html = response.content.decode()
    assert "<script>" not in html and " onclick=" not in html and "http://" not in html.replace(
        "http://www.w3.org", "")


def test_admin_is_for_superusers_only(login: Any) -> None:
    response = login("secretary").get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_client_address_trusts_only_configured_proxies(settings: Any) -> None:
    from django.test import RequestFactory

    from shequ.audit.services import client_address

    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7",
                                  HTTP_X_REAL_IP="6.6.6.6")
    settings.SHEQU_PROXY_COUNT = 0
    assert client_address(forged) == "10.0.0.2"
    settings.SHEQU_PROXY_COUNT = 1
    assert client_address(forged) == "192.0.2.7"
    settings.SHEQU_PROXY_COUNT = 3
    assert client_address(forged) == "10.0.0.2"


def test_lockout_behind_a_proxy_is_per_client(settings: Any) -> None:
    settings.SHEQU_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(reverse("accounts:login"), {"username": "grid2", "password": "wrong"})
    assert attacker.post(reverse("accounts:login"), {"username": "grid2", "password": TEST_PASSWORD}).status_code == 429
    worker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert worker.post(reverse("accounts:login"), {"username": "grid2", "password": TEST_PASSWORD}).status_code == 302


def test_stylesheet_is_served_from_this_server() -> None:
    response = Client().get("/static/shequ/shequ.css")
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)


def test_logout_is_audited_and_ends_the_session(audit_log: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.44")
    client.post(reverse("accounts:login"), {"username": "grid1", "password": TEST_PASSWORD})
    assert client.get(reverse("accounts:logout")).status_code == 405  # a link cannot log anyone out
    assert audit_log(action="logout") == []
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    [event] = audit_log(action="logout")
    assert (event.actor_username, event.community.code, event.ip_address) == ("grid1", "futong", "192.0.2.44")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("registry:persons")).status_code == 302
    client.post(reverse("accounts:logout"))  # logged out already: nobody to record
    assert len(audit_log(action="logout")) == 1
