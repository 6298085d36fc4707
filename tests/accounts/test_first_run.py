"""The first run: `shequ setup` and the first-run page, on an empty installation (issue 18 item 1)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client, override_settings
from django.urls import reverse

from shequ.accounts import services
from shequ.accounts.models import Membership, User
from shequ.audit.models import AuditEvent
from shequ.registry.models import Community, Street

SHEQU = Path(sys.executable).with_name("shequ")
SETUP_ARGS = ["setup", "--street", "新华街道", "--street-code", "xinhua", "--community", "富通社区",
              "--community-code", "futong", "--secretary", "王书记", "--phone", "13800138000"]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_") and k != "DJANGO_SETTINGS_MODULE"}
    command = [str(SHEQU)] if SHEQU.exists() else ["uv", "run", "shequ"]
    return subprocess.run([*command, *args], env={**env, "SHEQU_DATA_DIR": str(data_dir)}, capture_output=True,
                          text=True, timeout=180, check=False)


def test_setup_command_creates_the_street_the_community_and_a_secretary_on_a_one_time_password(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    code = _run(["setup", "--code"], data_dir)
    assert code.returncode == 0, code.stderr
    assert "Setup code" in code.stdout
    done = _run(SETUP_ARGS, data_dir)
    assert done.returncode == 0, done.stderr
    password = done.stdout.split("One-time password: ")[1].split()[0]
    with sqlite3.connect(data_dir / "shequ.sqlite3") as db:
        assert db.execute("select code, name from registry_street").fetchall() == [("xinhua", "新华街道")]
        assert db.execute("select code, name from registry_community").fetchall() == [("futong", "富通社区")]
        username, hashed, must_change, expires = db.execute(
            "select username, password, must_change_password, password_expires_at from accounts_user").fetchone()
        roles = db.execute("select role from accounts_membership").fetchall()
        audited = db.execute("select action, object_type from audit_auditevent order by id").fetchall()
        setup_codes = db.execute("select count(*) from accounts_setupcode").fetchone()[0]
    assert username == "13800138000" and must_change == 1 and expires is not None
    assert check_password(password, hashed) and password not in done.stdout.replace(password, "", 1)
    assert roles == [("secretary",)]
    assert audited == [("create", "street"), ("create", "community"), ("create", "user")]
    assert setup_codes == 0, "the setup code ends with the setup"
    again = _run(SETUP_ARGS, data_dir)
    assert again.returncode != 0 and "set up already" in again.stderr
    assert _run(["setup", "--code"], data_dir).returncode != 0


def test_setup_refuses_while_a_community_exists(db: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.first_community_setup(street_code="x", street_name="x", code="new", name="新社区",
                                       secretary_name="某")
    assert Client().get(reverse("accounts:setup")).status_code == 404


FORM = {"street_name": "新华街道", "street_code": "xinhua", "name": "富通社区", "code": "futong",
        "secretary_name": "王书记", "secretary_phone": "13800138000", "secretary_username": ""}


@pytest.mark.usefixtures("empty_install")
def test_first_run_page_opens_from_the_server_itself_or_with_the_printed_code() -> None:
    local, remote = Client(REMOTE_ADDR="127.0.0.1"), Client(REMOTE_ADDR="10.1.2.3")
    page = local.get(reverse("accounts:setup"))
    assert page.status_code == 200 and 'name="setup_code"' not in page.content.decode()
    assert 'name="setup_code"' in remote.get(reverse("accounts:setup")).content.decode()
    # A proxy on the same machine forwards other people's requests: not "the server itself".
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert 'name="setup_code"' in proxied.get(reverse("accounts:setup")).content.decode()

    refused = remote.post(reverse("accounts:setup"), {**FORM, "setup_code": "wrong-code"})
    assert refused.status_code == 200 and not Community.objects.exists()
    assert AuditEvent.objects.filter(action="login_failed", actor_username="setup").exists()

    code = services.setup_code_issue()
    done = remote.post(reverse("accounts:setup"), {**FORM, "setup_code": code})
    assert done.status_code == 200
    secretary = User.objects.get(username="13800138000")
    assert secretary.must_change_password
    assert Membership.objects.get(user=secretary).role == "secretary"
    assert Street.objects.get().communities.get().code == "futong"
    created = AuditEvent.objects.filter(action="create").order_by("id")
    assert [(e.object_type, e.actor_username, e.ip_address) for e in created] == [
        ("street", "setup", "10.1.2.3"), ("community", "cli", "10.1.2.3"), ("user", "cli", "10.1.2.3")]
    assert remote.get(reverse("accounts:setup")).status_code == 404
    assert local.get(reverse("accounts:setup")).status_code == 404


@pytest.mark.usefixtures("empty_install")
def test_setup_command_in_this_process_prints_the_secretary_and_a_code() -> None:
    """The same command as above, run by call_command (the subprocess test proves the migration and
    the installed ``shequ`` entry point; this one reaches the command's lines for coverage)."""
    import io

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--street-code"):
        call_command("setup", "--no-migrate", "--street", "新华街道", stdout=io.StringIO())
    out = io.StringIO()
    call_command("setup", "--no-migrate", "--code", stdout=out)
    assert services.setup_code_valid(out.getvalue().split(": ")[1].split()[0])
    out = io.StringIO()
    call_command("setup", "--no-migrate", *SETUP_ARGS[1:], stdout=out)
    password = out.getvalue().split("One-time password: ")[1].split()[0]
    assert User.objects.get(username="13800138000").check_password(password)
    with pytest.raises(CommandError, match="set up already"):
        call_command("setup", "--no-migrate", *SETUP_ARGS[1:], stdout=io.StringIO())


@pytest.mark.usefixtures("empty_install")
@override_settings(SHEQU_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_client_decides() -> None:
    outside = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert 'name="setup_code"' in outside.get(reverse("accounts:setup")).content.decode()
    inside = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert inside.post(reverse("accounts:setup"), FORM).status_code == 200
    assert Community.objects.filter(code="futong").exists()
