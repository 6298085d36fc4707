"""One-time passwords: random, hashed, used once, expiring in 24 hours, changed at the first login;
everyone changes their own password (issue 18 item 4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import TEST_PASSWORD

from shequ.accounts.models import User
from shequ.accounts.services import OTP_LENGTH

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-new-password-of-mine"  # noqa: S105


def _log_in(username: str, password: str) -> tuple[Client, Any]:
    client = Client()
    return client, client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_one_time_password_is_random_stored_hashed_and_must_be_changed_first(new_account: Any) -> None:
    first, second = new_account(), new_account()
    assert len(first.password) == OTP_LENGTH and first.password != second.password
    user = User.objects.get(pk=first.user.pk)
    assert first.password not in user.password and user.check_password(first.password)
    client, response = _log_in(user.username, first.password)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    # Every other page leads to the password form until it is changed; the API refuses.
    assert client.get(reverse("home"))["Location"] == reverse("accounts:password_change")
    assert client.get(reverse("api:me")).status_code == 403
    form = client.get(reverse("accounts:password_change"))
    assert form.status_code == 200 and 'name="old_password"' not in form.content.decode()
    short = client.post(reverse("accounts:password_change"), {"new_password1": "abc", "new_password2": "abc"})
    assert short.status_code == 200 and User.objects.get(pk=user.pk).must_change_password
    done = client.post(reverse("accounts:password_change"),
                       {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)


def test_a_one_time_password_works_once(new_account: Any) -> None:
    account = new_account()
    client, response = _log_in(account.user.username, account.password)
    assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    _again, refused = _log_in(account.user.username, account.password)
    assert refused.status_code == 200, "the one-time password was used up by the first login"


def test_a_one_time_password_expires_after_24_hours(new_account: Any, clock: Any) -> None:
    account = new_account()
    clock.advance(hours=24, seconds=1)
    client, response = _log_in(account.user.username, account.password)
    assert response.status_code == 200
    assert "expired" in response.content.decode() or "过期" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_one_time_password_still_works_just_before_it_expires(new_account: Any, clock: Any) -> None:
    account = new_account()
    clock.advance(hours=23, minutes=59)
    _client, response = _log_in(account.user.username, account.password)
    assert response["Location"] == reverse("accounts:password_change")


def test_everyone_changes_their_own_password_with_the_old_one(audit_log: Any) -> None:
    client, _response = _log_in("grid1", TEST_PASSWORD)
    form = client.get(reverse("accounts:password_change"))
    assert 'name="old_password"' in form.content.decode()
    wrong = client.post(reverse("accounts:password_change"),
                        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 200
    done = client.post(reverse("accounts:password_change"),
                       {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(reverse("home")).status_code == 200, "the session that changed it stays signed in"
    assert User.objects.get(username="grid1").check_password(NEW_PASSWORD)
    event = audit_log(action="update", object_type="user")[-1]
    assert "password changed" in event.summary and NEW_PASSWORD not in str(event.after)


def test_the_login_slip_qr_fills_the_username_in() -> None:
    page = Client().get(reverse("accounts:login") + "?username=13800138000")
    assert 'value="13800138000"' in page.content.decode()


def test_expiry_is_24_hours(new_account: Any, clock: Any) -> None:
    account = new_account()
    assert User.objects.get(pk=account.user.pk).password_expires_at == clock.at + dt.timedelta(hours=24)
