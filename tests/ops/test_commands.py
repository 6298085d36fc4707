"""`shequ demo` and `shequ serve`, run as the user runs them: as a separate process.

Output is checked for what stays the same in every language (account names, the password, the name
of the environment variable), since the command's own sentences are translated.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import override_settings

from shequ.ops.demo_data import DEMO_ACCOUNTS

SHEQU = Path(sys.executable).with_name("shequ")
GOOD_SECRET = "a-long-enough-secret-for-the-tests-0123456789abcdef"


def _run(args: list[str], data_dir: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("SHEQU_") and k not in ("DJANGO_SETTINGS_MODULE",)}
    command = [str(SHEQU)] if SHEQU.exists() else ["uv", "run", "shequ"]
    return subprocess.run(
        [*command, *args],
        env={**base, "SHEQU_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"select count(*) from {table}").fetchone()[0])  # noqa: S608 - fixed names


def test_demo_no_serve_migrates_loads_once_and_prints_the_accounts(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    first = _run(["demo", "--no-serve"], data_dir, SHEQU_DEMO_PASSWORD="a-demo-password-for-tests")
    assert first.returncode == 0, first.stderr
    db = data_dir / "shequ.sqlite3"
    assert db.exists()
    for account in DEMO_ACCOUNTS:
        assert account.username in first.stdout
    assert "a-demo-password-for-tests" in first.stdout
    assert "http://127.0.0.1:8000/" in first.stdout
    counts = {t: _count(db, t) for t in ("registry_community", "registry_person", "accounts_user")}
    assert counts["registry_community"] == 2 and counts["accounts_user"] == len(DEMO_ACCOUNTS)
    with sqlite3.connect(db) as conn:
        (hashed,) = conn.execute("select password from accounts_user where username='secretary'").fetchone()
    assert check_password("a-demo-password-for-tests", hashed)

    second = _run(["demo", "--no-serve", "--port", "8123"], data_dir)
    assert second.returncode == 0, second.stderr
    assert "http://127.0.0.1:8123/" in second.stdout
    assert {t: _count(db, t) for t in counts} == counts
    # The password printed is the default one now, though the data (and its password) is older:
    # the printout follows the environment, the data is never rewritten.
    assert settings.SHEQU_DEMO_PASSWORD_DEFAULT in second.stdout


def test_serve_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _run(["serve", "--port", "8124"], tmp_path, timeout=60)
    assert result.returncode != 0
    assert "SHEQU_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "secret",
    [settings.INSECURE_DEFAULT_SECRET, "too-short-secret"],
    ids=["development-default", "short"],
)
def test_serve_refuses_a_public_or_short_secret_key(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("SHEQU_SECRET_KEY", secret)
    with override_settings(SECRET_KEY=secret), pytest.raises(CommandError, match="SHEQU_SECRET_KEY"):
        call_command("serve", "--check")


def test_serve_check_accepts_a_good_secret_and_reads_the_environment(tmp_path: Path) -> None:
    result = _run(["serve", "--check"], tmp_path, timeout=60, SHEQU_SECRET_KEY=GOOD_SECRET,
                  SHEQU_WORKERS="3", SHEQU_PORT="8125", SHEQU_HOST="127.0.0.1", SHEQU_ALLOWED_HOSTS="shequ.example")
    assert result.returncode == 0, result.stderr
    assert "127.0.0.1:8125" in result.stdout and "3" in result.stdout


@pytest.mark.django_db  # serve --check reads the database role on PostgreSQL
def test_serve_options_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEQU_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("SHEQU_WORKERS", "5")
    monkeypatch.delenv("SHEQU_HOST", raising=False)
    out, err = StringIO(), StringIO()
    with override_settings(SECRET_KEY=GOOD_SECRET):
        call_command("serve", "--check", "--workers", "2", "--port", "9000", stdout=out, stderr=err)
    assert "0.0.0.0:9000" in out.getvalue() and " 2 " in out.getvalue()


def test_serve_rejects_a_malformed_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEQU_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("SHEQU_WORKERS", "many")
    with override_settings(SECRET_KEY=GOOD_SECRET), pytest.raises(CommandError, match="SHEQU_WORKERS"):
        call_command("serve", "--check", stdout=StringIO(), stderr=StringIO())


def test_demo_says_which_optional_part_is_missing_and_how_to_get_it(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    import io

    from shequ.core import pdf
    from shequ.ops.management.commands.demo import Command

    monkeypatch.setenv("SHEQU_PDF_FONT", str(tmp_path / "no-such-font.ttc"))
    pdf.cjk_font.cache_clear()
    try:
        out = io.StringIO()
        Command(stdout=out)._print_missing_parts()
    finally:
        pdf.cjk_font.cache_clear()
    printed = out.getvalue()
    assert "no-such-font.ttc" in printed and "fonts-noto-cjk" in printed


def test_demo_prints_nothing_about_parts_this_machine_has(cjk_font: None) -> None:
    import io

    from shequ.ops.management.commands.demo import Command

    out = io.StringIO()
    Command(stdout=out)._print_missing_parts()
    assert out.getvalue() == ""
