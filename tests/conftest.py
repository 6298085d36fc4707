"""Shared fixtures: the demo-shaped world, built once per test session, and its named actors.

Two communities (futong, nanxincun) from the demo builder; one account per role:
secretary, staff, grid1..grid6, gate1, volunteer1, property1, sampler1, street, resident1 (a
household in futong, 富通小区 9-2-502) and outsider (staff of nanxincun).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

# A second alias that mirrors default, as Django's testing docs set up a replica (TEST MIRROR), so the
# router's tests (tests/core/test_replica.py) route to a real alias. Nothing reads there unless a test
# opts in with using_replica(); a run with SHEQU_REPLICA_URL set has the alias from settings already.
settings.DATABASES.setdefault("replica", {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}})

TEST_PASSWORD = "correct-horse-battery-staple"  # noqa: S105
ROLES = [
    "secretary", "staff", "grid1", "grid2", "gate1", "volunteer1", "property1", "sampler1", "street",
    "resident1", "outsider",
]


def needs(what: str, available: bool, install: str) -> None:
    """A test that needs something outside Python (a CJK font, GNU gettext, Chromium): skipped with a
    reason that says what to install, so ``uv run pytest`` passes on a machine with only Python and
    uv; under ``CI=true`` a missing part fails the run instead (CI installs them all)."""
    if available:
        return
    message = f"{what} is missing: {install}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def cjk_font() -> None:
    """For tests that print PDFs: a font with Chinese glyphs (core/pdf.py finds it)."""
    from shequ.core import pdf

    needs("A Chinese font for PDFs", pdf.font_problem() is None, pdf.INSTALL_HINT)


@pytest.fixture
def gettext_tools() -> None:
    needs("GNU gettext", shutil.which("xgettext") is not None and shutil.which("msgfmt") is not None,
          "apt-get install gettext (Debian/Ubuntu), brew install gettext (macOS)")


def _build_world() -> None:
    from shequ.ops.demo_data import build_demo, demo_is_loaded

    if demo_is_loaded():
        return
    if _WORLD_SNAPSHOT:
        _restore_world()
    else:
        build_demo(seed=2022, password=TEST_PASSWORD)


# The session's world, kept as rows once it is built, so that a transactional test (live server,
# concurrency) gets it back after the previous one's flush by copying rows instead of building the
# demo again: building took 10-50 s a test (most of the suite's time on a loaded machine), copying
# takes about a second. PostgreSQL keeps the copy in a schema of the test database (INSERT ... SELECT,
# no row passes through Python); SQLite keeps the rows in this process. Tables the flush fills again
# itself (content types and permissions, by post_migrate) are left as the flush made them.
_SNAPSHOT_SCHEMA = "shequ_test_world"
_PRESENCE = "gates_presence"  # filled by a trigger on gates_passage: emptied, then copied last
_WORLD_SNAPSHOT: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []


def _snapshot_world() -> None:
    qn = connection.ops.quote_name
    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP SCHEMA IF EXISTS {_SNAPSHOT_SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {_SNAPSHOT_SCHEMA}")
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE TABLE {_SNAPSHOT_SCHEMA}.{qn(table)} AS TABLE public.{qn(table)}")
                _WORLD_SNAPSHOT.append((table, [], []))
            else:
                cursor.execute(f"SELECT * FROM {qn(table)}")  # noqa: S608 - the models' own tables
                # Django's converters read dates and times back as objects; they are stored as text.
                rows = [tuple(str(v) if isinstance(v, dt.date | dt.time) else v for v in row)
                        for row in cursor.fetchall()]
                _WORLD_SNAPSHOT.append((table, [d[0] for d in cursor.description], rows))


def _restore_world() -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import transaction

    qn = connection.ops.quote_name
    ordered = sorted(_WORLD_SNAPSHOT, key=lambda entry: entry[0] == _PRESENCE)
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in ordered:
            if table == _PRESENCE:
                cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608
            else:
                cursor.execute(f"SELECT 1 FROM {qn(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone():
                    continue
            if connection.vendor == "postgresql":
                cursor.execute(f"INSERT INTO public.{qn(table)} SELECT * FROM {_SNAPSHOT_SCHEMA}.{qn(table)}")  # noqa: S608
            elif rows:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {qn(table)} ({', '.join(map(qn, columns))}) VALUES ({marks})",  # noqa: S608
                                   rows)
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(statement)


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    """Each test starts with no API token and no gate row remembered (accounts/tokencache.py,
    gates/gatecache.py): the database is rolled back between tests, a process's memory is not."""
    from shequ.accounts import tokencache
    from shequ.gates import gatecache

    tokencache.forget_all()
    gatecache.forget_all()
    yield
    tokencache.forget_all()
    gatecache.forget_all()


@pytest.fixture
def token_clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[float]:
    """The per-process memories (core/memo.py: API tokens, gate rows) on a clock the test moves
    (``token_clock[0] += 5``), remembering for 5 seconds whatever the environment says."""
    from shequ.core import memo

    settings.API_TOKEN_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(memo, "_clock", lambda: now[0])
    return now


class FixedClock:
    """The time that every caller of ``django.utils.timezone.now()`` sees during a test (the code
    under test, model defaults, the test itself): it stands still until the test moves it."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def set(self, at: dt.datetime) -> dt.datetime:
        assert at.tzinfo is not None, "the clock holds aware datetimes"
        self.at = at
        return at

    def set_local(self, *args: int) -> dt.datetime:
        """``set_local(2022, 1, 26, 23, 30)``: that wall time in the community's time zone."""
        return self.set(dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)))  # type: ignore[misc]

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at

    def local(self) -> dt.datetime:
        return self.at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))


# The moment the session's world was built: what the demo's "now" means (restrictions in force from
# three days before it, today's round, this week's duty roster). The clock fixture starts here, so a
# test sees the world the same whether it runs first or after a ten-minute suite.
WORLD_BUILT_AT: list[dt.datetime] = []


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    """A fixed clock: ``timezone.now()`` is the moment the world was built (a minute later, so
    that the demo's own rows are in the past) until the test calls ``clock.set(...)``,
    ``clock.set_local(...)`` or ``clock.advance(...)``."""
    from django.utils import timezone

    start = (WORLD_BUILT_AT[0] if WORLD_BUILT_AT else timezone.now()) + dt.timedelta(minutes=1)
    fixed = FixedClock(start.replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", fixed)
    return fixed


@pytest.fixture
def audit_log(db: Any) -> Any:
    """``audit_log()`` -> the audit events written since the fixture was set up (oldest first);
    keyword arguments filter them: ``audit_log(action="update", object_type="person")``. The logins
    of the test's own clients (``login("grid1")``) are left out unless ``action`` asks for them."""
    from shequ.audit.models import AuditEvent

    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def since(**filters: Any) -> list[Any]:
        events = AuditEvent.objects.filter(id__gt=start, **filters)
        if "action" not in filters:
            events = events.exclude(action=AuditEvent.Action.LOGIN)
        return list(events.order_by("id"))

    return since


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploaded files (disinfection photos) go to a directory of the session, not the data directory."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from django.utils import timezone

    with django_db_blocker.unblock():
        _build_world()
        _snapshot_world()
    WORLD_BUILT_AT[:] = [timezone.now()]


@pytest.fixture
def world_tx(transactional_db: Any, django_db_blocker: Any) -> Iterator[None]:
    """For transactional tests (live server, concurrency): the demo world, rebuilt after a flush.

    The flush at teardown empties every table, which the audit log's triggers refuse; they are
    lifted for the flush and put back here before the next test runs."""
    from shequ.audit import triggers

    triggers.install(connection)
    _build_world()
    yield
    triggers.uninstall(connection)


@pytest.fixture
def users(db: Any) -> dict[str, Any]:
    from shequ.accounts.models import User

    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def login(db: Any) -> Callable[[str | None], Client]:
    """login("grid1") -> a test client logged in as that demo account (None: anonymous)."""
    from shequ.accounts.models import User

    def make(username: str | None) -> Client:
        client = Client()
        if username is not None:
            client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def anchor_household(db: Any) -> Any:
    """富通小区 9-2-502 in futong: grid 1, resident1's household."""
    from shequ.registry.models import Household

    return Household.objects.select_related("room__unit__building__compound").get(
        community__code="futong",
        status="active",
        room__number="502",
        room__unit__number="2",
        room__unit__building__number="9",
        room__unit__building__compound__name="富通小区",
    )


@pytest.fixture
def other_grid_household(db: Any) -> Any:
    """An active futong household with people, outside grid 1."""
    from shequ.registry.models import Household

    return (
        Household.objects.filter(community__code="futong", status="active", persons__isnull=False)
        .exclude(room__unit__building__grid__number=1)
        .order_by("id")
        .first()
    )


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """SHEQU_TESTS_REUSED_WORLD=1 (tools/mutation.py): the session reuses a test database that holds
    the world already (--reuse-db), so the tests that empty the database (transactional: world_tx,
    live servers) are left out; each would leave the next session without its world."""
    import os

    if os.environ.get("SHEQU_TESTS_REUSED_WORLD") != "1":
        return
    emptying = {"world_tx", "transactional_db", "live_server"}
    kept = [item for item in items if not emptying & set(getattr(item, "fixturenames", ()))]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
