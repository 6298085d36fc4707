"""A street office account, made on the server without the Django admin (issue 18 items 1 and 2):
``shequ street-account`` gives it a one-time password; it then adds communities on its page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from shequ.accounts import services
from shequ.accounts.models import Membership, User
from shequ.registry.models import Street


def _street_account(*args: str) -> str:
    out = io.StringIO()
    call_command("street_account", *args, stdout=out)
    return out.getvalue()


def test_the_command_makes_a_street_account_with_a_one_time_password(db: Any, audit_log: Any) -> None:
    street = Street.objects.create(code="qingshan", name="青山街道")
    printed = _street_account("--street", "qingshan", "--name", "李主任", "--phone", "137 0013 7000")
    password = printed.split("One-time password: ")[1].split()[0]
    user = User.objects.get(username="13700137000")
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.street, membership.community) == ("street", street, None)
    assert user.must_change_password and user.password_expires_at is not None
    assert user.check_password(password) and password not in user.password
    [event] = audit_log(object_type="user")
    assert event.action == "create" and event.actor_username == "cli"
    assert event.after == {"role": "street", "street": street.pk}

    # The one-time password opens the street office's page once it is changed.
    client = Client()
    client.post(reverse("accounts:login"), {"username": "13700137000", "password": password})
    assert client.get(reverse("accounts:street")).url == reverse("accounts:password_change")
    new = "qing-shan-street-2022"
    client.post(reverse("accounts:password_change"), {"new_password1": new, "new_password2": new})
    assert client.get(reverse("accounts:street")).status_code == 200


def test_the_command_names_an_unknown_street_and_a_taken_username(db: Any) -> None:
    with pytest.raises(CommandError, match="nowhere"):
        _street_account("--street", "nowhere", "--name", "某")
    Street.objects.create(code="qingshan", name="青山街道")
    _street_account("--street", "qingshan", "--name", "李主任", "--username", "li")
    with pytest.raises(CommandError, match="username: .* li "):
        _street_account("--street", "qingshan", "--name", "李主任", "--username", "li")
    assert Membership.objects.filter(role="street", user__username="li").count() == 1


def test_no_community_account_gives_the_street_role(users: dict[str, Any]) -> None:
    street = Street.objects.get(communities__code="futong")
    for actor in ("secretary", "street"):
        with pytest.raises(ValidationError):
            services.street_account_create(actor=users[actor], street=street, name="某")
    assert not User.objects.filter(first_name="某").exists()
