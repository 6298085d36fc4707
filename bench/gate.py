"""Gate passage API benchmark: passages per second and latency, against a floor on the same server.

    uv run python bench/gate.py                  # SQLite in a temporary data dir, 30 s per load
    uv run python bench/gate.py --quick          # 8 s per load, under a minute in all
    uv run python bench/gate.py --db postgres    # a throwaway database on SHEQU_BENCH_PG_URL's server
                                                 # (default postgres://postgres@127.0.0.1:54330)

It builds the demo world in a fresh database, binds a device token to the guard's gate (富通小区
东门), then starts the app under gunicorn (2 sync workers, production settings from the environment)
and, on loopback with 32 concurrent connections (threads, http.client keep-alive where the server
allows it):

- passages: ``POST /api/v1/gates/{id}/passages`` for a bounded time with real pass tokens of the
  compound's residents, unique client_ids, a realistic mix (in and out; about 2 % fevers and 1 % no
  mask, which alert staff; the demo's residents under home quarantine are refused when they leave);
- floor: ``POST /bench/floor/{id}`` on the same server and database: one read by primary key plus one
  insert into the passage table (bench/gate_urls.py; never part of the product's URLs).

The two loads take turns (5 rounds, 2 with --quick) so that other work on the machine weighs on both.

The last line printed is one JSON object: passages_per_s, p50_ms, p99_ms, floor_per_s, floor_p99_ms,
ratio (passages_per_s / floor_per_s), p99_to_floor_p99 (p99_ms / floor_p99_ms), db, and more. Aims:
ratio >= 0.7 and p99_to_floor_p99 <= 1.3. Never part of the test suite; the figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from _gunicorn import start_gunicorn  # bench/ is on sys.path when a bench runs as a script

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgres://postgres@127.0.0.1:54330"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, build the demo world, bind a device token to the guard's gate; the pass tokens."""
    import django

    django.setup()
    from django.db import connection

    from shequ.accounts.models import User
    from shequ.gates.models import Gate
    from shequ.gates.services import gate_device_create
    from shequ.ops.demo_data import build_demo
    from shequ.passes import tokens as pass_tokens
    from shequ.passes.models import Pass

    t = time.perf_counter()
    from _world import migrate  # bench/_world.py: a migrated copy on SQLite

    migrate()
    build_demo(seed=2022, password=secrets.token_urlsafe(12))
    gate = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    _device, key = gate_device_create(gate=gate, user=User.objects.get(username="gate1"), name="bench")
    codes = list(Pass.objects.filter(revoked_at__isnull=True, person__status="active",
                                     person__household__room__unit__building__compound_id=gate.compound_id)
                 .values_list("code", flat=True))
    tokens = [pass_tokens.token_for(c) for c in codes]
    vendor = connection.vendor
    connection.close()
    print(f"prepared {vendor} in {time.perf_counter() - t:.1f} s: {len(tokens)} passes behind gate {gate.pk}",
          file=sys.stderr)
    return {"gate_id": gate.pk, "key": key, "tokens": tokens, "vendor": vendor}


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    return start_gunicorn(env=env, port=port, workers=workers, settings="gate_settings",
                          pythonpath=[ROOT / "src", ROOT / "bench"], extra=["--backlog", "2048"])


class Load:
    """``connections`` threads, each with its own keep-alive connection, for ``seconds``."""

    def __init__(self, port: int, connections: int, seconds: float, request: Any) -> None:
        self.port, self.connections, self.seconds, self.request = port, connections, seconds, request
        self.latencies: list[list[float]] = [[] for _ in range(connections)]
        self.statuses: list[dict[int, int]] = [{} for _ in range(connections)]
        self.errors: list[str] = []

    def _worker(self, n: int, barrier: threading.Barrier, stop_at: list[float]) -> None:
        rnd = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        latencies, statuses = self.latencies[n], self.statuses[n]
        barrier.wait()
        i = 0
        while time.perf_counter() < stop_at[0]:
            method, url, body, headers = self.request(n, i, rnd)
            i += 1
            t = time.perf_counter()
            try:
                conn.request(method, url, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(repr(e))
                conn.close()
                continue
            latencies.append(time.perf_counter() - t)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.getheader("connection", "").lower() == "close":
                conn.close()  # sync workers close after each response; http.client reconnects
        conn.close()

    def run(self) -> dict[str, Any]:
        barrier = threading.Barrier(self.connections + 1)
        stop_at = [float("inf")]
        threads = [threading.Thread(target=self._worker, args=(n, barrier, stop_at), daemon=True)
                   for n in range(self.connections)]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        stop_at[0] = started + self.seconds
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        statuses: dict[int, int] = {}
        for st in self.statuses:
            for code, count in st.items():
                statuses[code] = statuses.get(code, 0) + count
        return {"latencies": [x for xs in self.latencies for x in xs], "elapsed": elapsed, "statuses": statuses,
                "errors": list(self.errors)}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures over several timed rounds of the same load."""
    latencies = sorted(x for r in runs for x in r["latencies"])
    elapsed = sum(r["elapsed"] for r in runs)
    statuses: dict[int, int] = {}
    for r in runs:
        for code, count in r["statuses"].items():
            statuses[code] = statuses.get(code, 0) + count
    errors = [e for r in runs for e in r["errors"]]

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else 0.0

    return {"requests": len(latencies), "per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else 0.0,
            "statuses": statuses, "errors": len(errors), "first_error": errors[0] if errors else ""}



def drive_in_turns(loads: dict[str, Any], *, workers: int, connections: int, seconds: float, rounds: int,
                   recorded: Any) -> dict[str, Any]:
    """What the services, supplies and health benches do against this bench's floor: start gunicorn
    on the bench's database, warm every load (imports, connections, token cache), drive the loads
    in turns for the same time each, stop the server. ``recorded()`` counts the rows the loads
    write: called before and after. Returns each load's summary, both counts and the load average."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"SHEQU_MODE": "production", "SHEQU_ALLOWED_HOSTS": "127.0.0.1", "SHEQU_LOG_LEVEL": "ERROR"}
    from django.db import connection

    connection.close()
    port = _free_port()
    started = time.perf_counter()
    server = start_server(env, port, workers)
    print(f"gunicorn answered in {time.perf_counter() - started:.1f} s", file=sys.stderr)  # noqa: T201
    load_before = round(os.getloadavg()[0], 2)
    try:
        for request in loads.values():
            Load(port, 4, 1.0, request).run()
        before = recorded()
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in loads}
        for _round in range(rounds):
            for name, request in loads.items():
                runs[name].append(Load(port, connections, seconds / rounds, request).run())
        after = recorded()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    summaries = {name: summarize(found) for name, found in runs.items()}
    for name, figures in summaries.items():
        print(f"http {name}: {figures}", file=sys.stderr)  # noqa: T201
    return {"summaries": summaries, "before": before, "after": after, "load_before": load_before,
            "load_after": round(os.getloadavg()[0], 2)}

def passage_requests(gate_id: int, key: str, tokens: list[str]) -> Any:
    url = f"/api/v1/gates/{gate_id}/passages"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def request(n: int, i: int, rnd: random.Random) -> tuple[str, str, bytes, dict[str, str]]:
        roll = rnd.random()
        temperature = round(rnd.uniform(37.3, 38.6), 1) if roll < 0.02 else round(rnd.uniform(36.0, 37.1), 1)
        body = {
            "credential": tokens[rnd.randrange(len(tokens))],
            "direction": "in" if rnd.random() < 0.5 else "out",
            "temperature": temperature,
            "health_code": "green",
            "mask": not (0.02 <= roll < 0.03),
            "client_id": str(uuid.uuid4()),
        }
        return "POST", url, json.dumps(body).encode(), headers

    return request


def floor_requests(gate_id: int) -> Any:
    url = f"/bench/floor/{gate_id}"
    headers = {"Content-Type": "application/json"}

    def request(n: int, i: int, rnd: random.Random) -> tuple[str, str, bytes, dict[str, str]]:
        return "POST", url, b"{}", headers

    return request


def count_passages(gate_id: int) -> int:
    """Passages recorded at the gate by pass token (the floor's rows have no credential)."""
    from django.db import connection

    from shequ.gates.models import Passage

    count = Passage.objects.filter(gate_id=gate_id, credential="pass").count()
    connection.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="8 s per load instead of 30")
    parser.add_argument("--seconds", type=float, help="seconds per load, over all rounds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, help="alternations of the two loads (default 2 with --quick, else 5)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and the PostgreSQL database)")
    args = parser.parse_args()
    seconds = args.seconds or (8.0 if args.quick else 30.0)
    args.rounds = args.rounds or (2 if args.quick else 5)

    workdir = Path(tempfile.mkdtemp(prefix="shequ-bench-gate-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_")}
    env |= {"SHEQU_DATA_DIR": str(workdir), "SHEQU_SECRET_KEY": secrets.token_urlsafe(40),
            "SHEQU_MODE": "production", "SHEQU_ALLOWED_HOSTS": "127.0.0.1", "SHEQU_LOG_LEVEL": "ERROR"}
    pg_base = pg_db = ""
    if args.db == "postgres":
        pg_base = os.environ.get("SHEQU_BENCH_PG_URL", PG_DEFAULT).rstrip("/")
        pg_db = f"shequ_bench_gate_{os.getpid()}"
        _pg_admin(pg_base, f"CREATE DATABASE {pg_db}")
        env["SHEQU_DATABASE_URL"] = f"{pg_base}/{pg_db}"
    os.environ.clear()
    os.environ.update(env | {"DJANGO_SETTINGS_MODULE": "shequ.settings"})
    sys.path.insert(0, str(ROOT / "src"))

    load_before = round(os.getloadavg()[0], 2)
    server = None
    try:
        world = prepare(args)
        port = _free_port()
        server = start_server(env, port, args.workers)
        gate_id = world["gate_id"]
        # Warm both workers (imports, connections, translation catalogues) before timing anything.
        Load(port, 4, 1.0, passage_requests(gate_id, world["key"], world["tokens"])).run()
        Load(port, 4, 0.5, floor_requests(gate_id)).run()
        # The two loads take turns in rounds, so that whatever else the machine is doing weighs on
        # both alike; the ratio is what to compare.
        before = count_passages(gate_id)
        passage_runs, floor_runs = [], []
        for _round in range(args.rounds):
            passage_runs.append(Load(port, args.connections, seconds / args.rounds,
                                     passage_requests(gate_id, world["key"], world["tokens"])).run())
            floor_runs.append(Load(port, args.connections, seconds / args.rounds, floor_requests(gate_id)).run())
        recorded = count_passages(gate_id) - before
        passages, floor = summarize(passage_runs), summarize(floor_runs)
        print(f"passages: {passages}", file=sys.stderr)
        print(f"floor: {floor}", file=sys.stderr)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if pg_db and not args.keep:
            _pg_admin(pg_base, f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)")
        if args.keep:
            print(f"kept {workdir}" + (f" and database {pg_db}" if pg_db else ""), file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    figures = {
        "db": world["vendor"],
        "connections": args.connections,
        "workers": args.workers,
        "seconds": seconds,
        "rounds": args.rounds,
        "passages": passages["requests"],
        "passages_recorded": recorded,
        "passages_per_s": passages["per_s"],
        "p50_ms": passages["p50_ms"],
        "p90_ms": passages["p90_ms"],
        "p99_ms": passages["p99_ms"],
        "statuses": passages["statuses"],
        "errors": passages["errors"] + floor["errors"],
        "floor_per_s": floor["per_s"],
        "floor_p50_ms": floor["p50_ms"],
        "floor_p99_ms": floor["p99_ms"],
        "ratio": round(passages["per_s"] / floor["per_s"], 3) if floor["per_s"] else 0.0,
        # The latency aim: p99_ms at most 1.3 x floor_p99_ms of the same run.
        "p99_to_floor_p99": round(passages["p99_ms"] / floor["p99_ms"], 3) if floor["p99_ms"] else 0.0,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        # Other work on the machine skews everything: the 1-minute load average before and after.
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
