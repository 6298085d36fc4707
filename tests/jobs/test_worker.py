"""A job whose worker is killed (kill -9) mid-run is run again by the next worker, and its work is
recorded once: a real `shequ worker` process, killed while it holds a roster import halfway (after
its first batch committed), then a second worker that takes the job back and finishes it."""

from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dj_database_url
from django.db import connection
from django_tasks_db.models import DBTaskResult

from shequ.accounts.models import User
from shequ.jobs.models import Job
from shequ.jobs.services import job_start
from shequ.registry.jobs import ROSTER_IMPORT
from tests.registry.import_files import make_community

ROWS = 5000  # the importer commits every 2000 rows (BATCH_ROWS)


def _roster(n: int) -> bytes:
    return ("姓名,小区,楼栋,单元,房号\n" + "".join(f"居民{i},任务小区,{1 + i // 1000},1,{100 + i % 1000}\n"
                                                for i in range(n))).encode()


@contextmanager
def worker_database(tmp_path: Path) -> Iterator[tuple[dict[str, str], Any]]:
    """The environment of a worker process that opens the test's database, and a function that runs
    a query on it from here. SQLite: the in-memory test database copied to a file in tmp_path (as
    deployed: WAL, busy timeout), read back with sqlite3; PostgreSQL: the test database itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "SHEQU_TEST"))}
    env.update(SHEQU_MODE="dev", DJANGO_SETTINGS_MODULE="shequ.settings", PYTHONPATH="src")
    if connection.vendor == "sqlite":
        path = tmp_path / "shequ.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        env["SHEQU_DATA_DIR"] = str(tmp_path)
        env.pop("SHEQU_DATABASE_URL", None)

        def query(sql: str, *params: Any) -> list[tuple[Any, ...]]:
            with sqlite3.connect(path) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
    else:
        parsed = dj_database_url.parse(os.environ["SHEQU_DATABASE_URL"])
        url = os.environ["SHEQU_DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
        assert parsed["ENGINE"].endswith("postgresql")
        env["SHEQU_DATABASE_URL"] = url

        def query(sql: str, *params: Any) -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
    yield env, query


def task_status(query: Any, task_id: str) -> str:
    key = uuid.UUID(task_id).hex if connection.vendor == "sqlite" else task_id
    return query(f"SELECT status FROM {DBTaskResult._meta.db_table} WHERE id = %s", key)[0][0]  # noqa: S608


def _worker(env: dict[str, str], *args: str, hold_at: int | None = None) -> subprocess.Popen[str]:
    """``shequ worker``; with ``hold_at``, through tests/jobs/held_worker.py, which stops it for good
    once a job's first run has reported that many rows done (the test's known point, kept out of the
    production code)."""
    command = ([sys.executable, "-m", "shequ.cli"] if hold_at is None
               else [sys.executable, str(Path(__file__).with_name("held_worker.py")), str(hold_at)])
    return subprocess.Popen([*command, "worker", "--interval", "0.1", *args],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])


def _wait_for_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 120) -> str:
    assert proc.stderr is not None
    seen = []
    while True:
        ready, _w, _x = select.select([proc.stderr], [], [], timeout)
        assert ready, f"no {prefix!r} from the worker within {timeout} s: {''.join(seen)[-2000:]}"
        line = proc.stderr.readline()
        assert line, f"the worker exited ({proc.wait()}) before {prefix!r}: {''.join(seen)[-2000:]}"
        seen.append(line)
        if line.startswith(prefix):
            return line


def test_a_job_killed_with_its_worker_is_run_again_by_the_next_worker_and_records_each_row_once(
        world_tx: Any, tmp_path: Path) -> None:
    community = make_community("jobkill")
    user = User.objects.get(username="secretary")
    job = job_start(user=user, kind=ROSTER_IMPORT, community=community, title="roster",
                    upload=_roster(ROWS), upload_name="名单.csv")
    with worker_database(tmp_path) as (env, query):
        first = _worker(env, hold_at=2000)
        try:
            line = _wait_for_line(first, "jobs: holding job")
            assert line.split()[3] == str(job.pk)
            # The first batch is committed; the worker is killed before the next.
            (written,) = query("SELECT count(*) FROM registry_person WHERE community_id = %s", community.pk)[0]
            assert 0 < written < ROWS
            os.kill(first.pid, signal.SIGKILL)
        finally:
            first.kill()
            first.wait()
        assert query("SELECT status FROM jobs_job WHERE id = %s", job.pk) == [("running",)]

        second = _worker(env, "--batch")
        try:
            assert second.wait(timeout=300) == 0, second.stderr.read() if second.stderr else ""
        finally:
            second.kill()
            second.wait()

        status, attempts, done, total, outcome = query(
            "SELECT status, attempts, done, total, outcome FROM jobs_job WHERE id = %s", job.pk)[0]
        assert (status, attempts, done, total) == ("done", 2, ROWS, ROWS)
        # Every row once: as many persons as rows, each name once.
        assert query("SELECT count(*), count(DISTINCT name) FROM registry_person WHERE community_id = %s",
                     community.pk) == [(ROWS, ROWS)]
        report = outcome if isinstance(outcome, dict) else json.loads(outcome)
        assert report["rows"] == ROWS and report["created"] + report["unchanged"] == ROWS
        assert report["unchanged"] == written
        # The dead run's task is marked failed; the job's second task succeeded.
        (second_task,) = query("SELECT task_id FROM jobs_job WHERE id = %s", job.pk)[0]
        assert second_task != job.task_id
        assert [task_status(query, t) for t in (job.task_id, second_task)] == ["FAILED", "SUCCESSFUL"]
    assert Job.objects.filter(pk=job.pk).exists()
