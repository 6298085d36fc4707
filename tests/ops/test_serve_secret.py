"""`shequ serve` refuses secret keys that protect nothing (issue 10.11)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

GOOD_SECRET = "a-long-enough-secret-for-the-tests-0123456789abcdef"


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("a" * 32, "different characters"),
        ("ab" * 40, "different characters"),
        (" " * 32, "not set"),
        ("\t" * 40, "not set"),
        (settings.INSECURE_DEFAULT_SECRET + " ", "development default"),
        ("  " + settings.INSECURE_DEFAULT_SECRET + "\n", "development default"),
        ("   short-but-padded-with-spaces  " + " " * 20, "shorter than 32"),
    ],
    ids=["a-x-32", "two-characters", "32-spaces", "tabs", "default-trailing-space", "default-padded",
         "short-padded"],
)
def test_serve_refuses_a_weak_secret_key(monkeypatch: pytest.MonkeyPatch, secret: str, reason: str) -> None:
    monkeypatch.setenv("SHEQU_SECRET_KEY", secret)
    with (override_settings(SECRET_KEY=secret, LANGUAGE_CODE="en"),
          pytest.raises(CommandError, match="SHEQU_SECRET_KEY") as refused):
        call_command("serve", "--check", stdout=StringIO(), stderr=StringIO())
    assert reason in str(refused.value)


# serve --check also reads the database role on PostgreSQL (audit_role_problem).
@pytest.mark.django_db
@pytest.mark.parametrize("secret", [GOOD_SECRET, "abcde" * 7, "0123456789abcdefghijklmnopqrstuv"],
                         ids=["long", "five-characters", "exactly-32"])
def test_serve_accepts_a_key_with_enough_length_and_variety(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("SHEQU_SECRET_KEY", secret)
    out = StringIO()
    with override_settings(SECRET_KEY=secret):
        call_command("serve", "--check", stdout=out, stderr=StringIO())
    assert ":8000" in out.getvalue()
