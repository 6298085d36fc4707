"""A city-sized deployment under load and under failure (issue 15 item 5; docs/deployment.md).

    uv run python bench/cluster.py --quick          # faults: 75 s of mixed load
    uv run python bench/cluster.py                  # faults: 150 s
    uv run python bench/cluster.py --load [--quick] # no faults: the district peak, then step by step more

It starts tools/cluster.py's cluster in a fresh directory (PostgreSQL primary and streaming replica,
PgBouncer in transaction mode, 3 app servers of 2 gunicorn workers, nginx; ports from --port,
default 55060), builds the demo world on the primary, and drives through nginx, open-loop (each
request leaves at its scheduled time, whatever the others are doing; latency counts from then):

- gate passages: ``POST /api/v1/gates/{id}/passages`` with the gate's device token;
- tube registrations: ``POST /api/v1/campaigns/{id}/tubes``, one person a request, ten to a tube
  (a sampling point's phone scanning each person into the open tube);
- follow-ups: ``POST /api/v1/health/followups``, one slot a request (bench/health.py's staging);
- orders: ``POST /api/v1/supplies/orders``;
- page views: ``GET /api/v1/registry/counts`` (the street's counts per community; an API read stands
  in for a page, as the cluster has no browser sessions).

Each write carries a client id and is retried with the same one, after 0.2 s, until it is
acknowledged (2xx and, for the batch routes, its row "created" or "existing") or the bench ends.

With faults (the default): at 10 % of the time one app server is killed with SIGKILL (master and
workers), at 25 % it is started again, at 40 % PgBouncer is stopped and started, at 60 % the primary
is stopped (``pg_ctl -m fast``) and at 70 % started. Afterwards the primary is asked for every client
id sent: ``missing`` (acknowledged, not stored: must be 0), ``duplicates`` (stored more than once:
must be 0), ``errors_by_fault`` (failed attempts while each fault was the latest), ``recovery_s``
(from each fault to its last failed attempt).

With --load: the peak hour of a district of 1,000,000 people (23 registrations/s, 100 passages/s,
10 follow-ups/s, 20 orders/s, 20 page views/s) is the unit. The rates start at 0.1 of it, the floor
(a light load: the latency of the requests themselves, little queueing), and are raised step by step
(0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6 times the district) until the p99 of a step first exceeds 1.3
times the floor's, or the step is not carried (fewer than 95 % of its requests answered within it,
or errors). ``headroom`` is the last multiple of the district's peak carried within that bound (below
1: this cluster does not carry the district). The client is Python threads on the same two cores as
the cluster: at high rates it is part of what is measured.

The fault run drives ``--scale`` times the district's peak (default 0.3): at 1.0 the shared 2-core
machine queues without end (p50 55 s in a first run), and a queue that never drains hides recovery.

The last line printed is one JSON object. Never part of the test suite; figures go to
docs/deployment.md and docs/scaling.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import secrets
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from cluster import Cluster  # noqa: E402  tools/cluster.py

PEAK = {"registrations": 23.0, "passages": 100.0, "followups": 10.0, "orders": 20.0, "page_views": 20.0}


def prepare(cluster: Cluster) -> dict[str, Any]:
    """On the primary, directly: the demo world, a gate device, an open test round, follow-up slots."""
    os.environ.update({"SHEQU_DATABASE_URL": cluster.url("primary"), "SHEQU_DATA_DIR": str(cluster.dir / "app"),
                       "DJANGO_SETTINGS_MODULE": "shequ.settings"})
    os.environ.pop("SHEQU_REPLICA_URL", None)
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from health import stage  # bench/health.py
    from shequ.accounts.models import User
    from shequ.accounts.services import api_token_create
    from shequ.campaigns import services as campaigns
    from shequ.campaigns.models import Sample, Target
    from shequ.gates.models import Gate, Passage
    from shequ.gates.services import gate_device_create
    from shequ.health.models import FollowUp
    from shequ.ops.demo_data import build_demo
    from shequ.passes import tokens as pass_tokens
    from shequ.passes.models import Pass
    from shequ.registry.models import Community, Household
    from shequ.supplies.models import Order

    t = time.perf_counter()
    build_demo(seed=2022, password=secrets.token_urlsafe(12))
    community = Community.objects.get(code="futong")
    staff = User.objects.get(username="staff")
    gate = Gate.objects.get(community=community, compound__name="富通小区", name="东门")
    _device, device_key = gate_device_create(gate=gate, user=User.objects.get(username="gate1"), name="bench")
    codes = Pass.objects.filter(revoked_at__isnull=True, person__status="active",
                                person__household__room__unit__building__compound_id=gate.compound_id)
    tokens = [pass_tokens.token_for(c) for c in codes.values_list("code", flat=True)]
    campaign = campaigns.campaign_create(actor=staff, community=community, name="全员核酸 压测",
                                         kind="test_round", starts_on=timezone.localdate() - dt.timedelta(days=1))
    campaign = campaigns.campaign_open(actor=staff, campaign=campaign)
    persons = list(Target.objects.filter(campaign=campaign).values_list("person_id", flat=True))
    stage({"community": community}, share=1.0, days=14)
    followups = list(FollowUp.objects.filter(community=community, outcome="").order_by("due_at", "id")
                     .values_list("id", flat=True))
    households = list(Household.objects.filter(community=community).values_list("id", flat=True))
    _token, staff_key = api_token_create(user=staff, name="bench")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    print(f"prepared in {time.perf_counter() - t:.0f} s: {len(tokens)} passes, {len(persons)} persons in the "
          f"round, {len(followups)} follow-up slots, {len(households)} households", file=sys.stderr)
    return {"gate_id": gate.pk, "device_key": device_key, "tokens": tokens, "campaign_id": campaign.pk,
            "persons": persons, "followups": followups, "households": households, "staff_key": staff_key,
            "tables": {"passages": Passage._meta.db_table, "registrations": Sample._meta.db_table,
                       "followups": FollowUp._meta.db_table, "orders": Order._meta.db_table}}


class Job:
    __slots__ = ("stream", "method", "url", "body", "headers", "client_id", "scheduled", "attempts")

    def __init__(self, stream: str, method: str, url: str, body: bytes | None, headers: dict[str, str],
                 client_id: str | None, scheduled: float) -> None:
        self.stream, self.method, self.url, self.body, self.headers = stream, method, url, body, headers
        self.client_id, self.scheduled, self.attempts = client_id, scheduled, 0


class Streams:
    """Builds the next request of each stream; every write gets a new client id once."""

    def __init__(self, world: dict[str, Any], run: str) -> None:
        self.w, self.run = world, run
        self.n = dict.fromkeys(PEAK, 0)
        self.lock = threading.Lock()
        self.device = {"Authorization": f"Bearer {world['device_key']}", "Content-Type": "application/json"}
        self.staff = {"Authorization": f"Bearer {world['staff_key']}", "Content-Type": "application/json"}

    def make(self, stream: str, at: float) -> Job:
        with self.lock:
            i = self.n[stream]
            self.n[stream] = i + 1
        rnd = random.Random(hash((stream, i)))
        cid = str(uuid.uuid4())
        w = self.w
        if stream == "passages":
            body = {"credential": w["tokens"][i % len(w["tokens"])], "direction": "in" if i % 2 else "out",
                    "temperature": round(rnd.uniform(36.0, 37.1), 1), "health_code": "green", "mask": True,
                    "client_id": cid}
            return Job(stream, "POST", f"/api/v1/gates/{w['gate_id']}/passages", json.dumps(body).encode(),
                       self.device, cid, at)
        if stream == "registrations":
            body = {"code": f"{self.run}{i // 10:06d}", "pooling": 10, "close": False,
                    "samples": [{"client_id": cid, "person_id": w["persons"][i % len(w["persons"])]}]}
            return Job(stream, "POST", f"/api/v1/campaigns/{w['campaign_id']}/tubes", json.dumps(body).encode(),
                       self.staff, cid, at)
        if stream == "followups":
            body = {"records": [{"client_id": cid, "followup_id": w["followups"][i % len(w["followups"])],
                                 "outcome": "seen", "temperature": "36.6"}]}
            return Job(stream, "POST", "/api/v1/health/followups", json.dumps(body).encode(), self.staff, cid, at)
        if stream == "orders":
            body = {"client_id": cid, "household_id": w["households"][i % len(w["households"])], "kind": "order",
                    "items": [{"name": "大米", "quantity": 1, "unit": "袋"}]}
            return Job(stream, "POST", "/api/v1/supplies/orders", json.dumps(body).encode(), self.staff, cid, at)
        return Job(stream, "GET", "/api/v1/registry/counts", None, self.staff, None, at)


def acknowledged(job: Job, status: int, payload: bytes) -> bool | None:
    """True: acknowledged; False: answered but refused (not retried); None: failed, retry."""
    if status in (502, 503, 504) or status >= 500:
        return None
    if status not in (200, 201):
        return False
    if job.stream in ("registrations", "followups"):
        data = json.loads(payload)
        rows = data.get("samples") or data.get("results") or []
        return bool(rows) and rows[0]["status"] in ("created", "existing")
    return True


class Engine:
    """Open-loop load: schedulers put jobs on a queue at their rates; workers send and retry them."""

    def __init__(self, port: int, streams: Streams, workers: int = 64) -> None:
        self.port, self.streams, self.workers = port, streams, workers
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.lock = threading.Lock()
        self.fault = "none"
        self.sent: dict[str, list[str]] = {s: [] for s in PEAK}
        self.acked: dict[str, list[str]] = {s: [] for s in PEAK}
        self.latencies: list[tuple[float, str, float]] = []  # (answered at, stream, seconds)
        self.errors: list[tuple[float, str, str]] = []  # (at, fault, what)
        self.refused: dict[str, int] = {}
        self.first_refusal: dict[str, str] = {}
        self.give_up_at = float("inf")
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for t in self.threads:
            t.start()

    def drive(self, rates: dict[str, float], seconds: float) -> None:
        """Schedule every stream at its rate for ``seconds`` (returns when the last is scheduled)."""
        start = time.perf_counter()

        def schedule(stream: str, rate: float) -> None:
            k = 0
            while True:
                at = start + k / rate
                if at >= start + seconds:
                    return
                delay = at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                job = self.streams.make(stream, at)
                if job.client_id:
                    with self.lock:
                        self.sent[stream].append(job.client_id)
                self.jobs.put(job)
                k += 1

        schedulers = [threading.Thread(target=schedule, args=(s, r), daemon=True) for s, r in rates.items() if r > 0]
        for t in schedulers:
            t.start()
        for t in schedulers:
            t.join()

    def _work(self) -> None:
        conn: http.client.HTTPConnection | None = None
        while True:
            job = self.jobs.get()
            if job is None:
                return
            while True:
                if time.perf_counter() > self.give_up_at:
                    break
                job.attempts += 1
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    conn.request(job.method, job.url, body=job.body, headers=job.headers)
                    response = conn.getresponse()
                    payload = response.read()
                    outcome = acknowledged(job, response.status, payload)
                    what = f"HTTP {response.status}"
                except (OSError, http.client.HTTPException, ValueError) as e:
                    outcome, what, payload = None, type(e).__name__, b""
                    if conn is not None:
                        conn.close()
                    conn = None
                now = time.perf_counter()
                if outcome is True:
                    with self.lock:
                        self.latencies.append((now, job.stream, now - job.scheduled))
                        if job.client_id:
                            self.acked[job.stream].append(job.client_id)
                    break
                if outcome is False:
                    with self.lock:
                        self.refused[job.stream] = self.refused.get(job.stream, 0) + 1
                        self.first_refusal.setdefault(job.stream, f"{what} {payload[:200]!r}")
                    break
                with self.lock:
                    self.errors.append((now, self.fault, f"{job.stream} {what}"))
                if job.client_id is None:  # a page view is not retried: the reader reloads later
                    break
                time.sleep(0.2)

    def drain(self, grace: float) -> int:
        """Wait for queued and retried jobs, at most ``grace`` seconds; the number never acknowledged."""
        self.give_up_at = time.perf_counter() + grace
        for _ in self.threads:
            self.jobs.put(None)
        for t in self.threads:
            t.join(max(0.1, self.give_up_at - time.perf_counter() + 5))
        with self.lock:
            return sum(len(self.sent[s]) - len(self.acked[s]) for s in PEAK) - sum(
                self.refused.get(s, 0) for s in PEAK if s != "page_views")


def verify(cluster: Cluster, world: dict[str, Any], engine: Engine) -> dict[str, Any]:
    """Every client id sent, looked up on the primary."""
    import psycopg

    missing, duplicates, stored = 0, 0, 0
    with psycopg.connect(cluster.url("primary")) as conn:
        for stream, table in world["tables"].items():
            sent = engine.sent[stream]
            if not sent:
                continue
            rows = conn.execute(f"SELECT client_id::text, count(*) FROM {table} WHERE client_id = ANY(%s::uuid[])"  # noqa: S608
                                " GROUP BY client_id", [sent]).fetchall()
            counts = dict(rows)
            stored += sum(counts.values())
            missing += sum(1 for c in engine.acked[stream] if c not in counts)
            duplicates += sum(1 for n in counts.values() if n > 1)
    return {"stored": stored, "missing": missing, "duplicates": duplicates}


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1)


def run_faults(cluster: Cluster, world: dict[str, Any], seconds: float, scale: float) -> dict[str, Any]:
    engine = Engine(cluster.nginx_port, Streams(world, "F"))
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def at(fraction: float) -> None:
        delay = started + fraction * seconds - time.perf_counter()
        if delay > 0:
            time.sleep(delay)

    def faults() -> None:
        at(0.10)
        engine.fault = "app_kill"
        marks["app_kill"] = time.perf_counter()
        cluster.app_kill(0)
        at(0.25)
        cluster.app_start(0)
        cluster.app_wait(0)
        marks["app_back"] = time.perf_counter()
        at(0.40)
        engine.fault = "pgbouncer_restart"
        marks["pgbouncer_restart"] = time.perf_counter()
        cluster.bouncer_stop()
        cluster.bouncer_start()
        at(0.60)
        engine.fault = "primary_restart"
        marks["primary_restart"] = time.perf_counter()
        cluster.primary_stop("fast")
        at(0.70)
        cluster.primary_start()
        marks["primary_back"] = time.perf_counter()

    injector = threading.Thread(target=faults, daemon=True)
    injector.start()
    engine.drive({s: r * scale for s, r in PEAK.items()}, seconds)
    injector.join()
    unacknowledged = engine.drain(grace=30)
    figures = verify(cluster, world, engine)
    errors_by_fault: dict[str, int] = {}
    last_error: dict[str, float] = {}
    for when, fault, _what in engine.errors:
        errors_by_fault[fault] = errors_by_fault.get(fault, 0) + 1
        last_error[fault] = max(last_error.get(fault, 0.0), when)
    recovery = {f: round(max(0.0, last_error[f] - marks[f]), 1) if f in last_error else 0.0
                for f in ("app_kill", "pgbouncer_restart", "primary_restart") if f in marks}
    kinds: dict[str, int] = {}
    for _when, fault, what in engine.errors:
        kinds[f"{fault}: {what}"] = kinds.get(f"{fault}: {what}", 0) + 1
    lat = [x for _t, s, x in engine.latencies if s != "page_views"]
    return {"bench": "cluster", "mode": "faults", "seconds": seconds, "scale": scale,
            "sent": sum(len(v) for v in engine.sent.values()),
            "acknowledged": sum(len(v) for v in engine.acked.values()), **figures,
            "unacknowledged_at_end": unacknowledged, "refused": engine.refused,
            "first_refusal": engine.first_refusal,
            "errors_by_fault": errors_by_fault, "error_kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:8]),
            "recovery_s": recovery,
            "app_restart_s": round(marks["app_back"] - marks["app_kill"], 1) if "app_back" in marks else None,
            "write_p50_ms": pct(lat, 0.5), "write_p99_ms": pct(lat, 0.99)}


def run_load(cluster: Cluster, world: dict[str, Any], step_s: float) -> dict[str, Any]:
    engine = Engine(cluster.nginx_port, Streams(world, "L"), workers=96)
    engine.drive({s: r / 4 for s, r in PEAK.items()}, min(step_s, 8))  # warm-up: connections, plans
    time.sleep(2)
    steps: list[dict[str, Any]] = []
    floor_p99 = None
    headroom = 0.0
    for multiple in (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0):
        rates = {s: r * multiple for s, r in PEAK.items()}
        offered = sum(rates.values()) * step_s
        errors_before = len(engine.errors)
        t0 = time.perf_counter()
        engine.drive(rates, step_s)
        end = time.perf_counter()
        time.sleep(min(5.0, step_s / 2))  # the step's late answers still count as its own
        with engine.lock:
            in_step = [(t, x) for t, _s, x in engine.latencies if t0 <= t]
            engine.latencies = [e for e in engine.latencies if e[0] < t0]
        answered_in_time = sum(1 for t, _x in in_step if t <= end + 1.0)
        p99 = pct([x for _t, x in in_step], 0.99)
        errors = len(engine.errors) - errors_before
        carried = answered_in_time >= 0.95 * offered and errors == 0
        floor_p99 = floor_p99 or p99
        step = {"multiple": multiple, "offered_per_s": round(offered / step_s, 1),
                "answered_per_s": round(len(in_step) / step_s, 1), "p50_ms": pct([x for _t, x in in_step], 0.5),
                "p99_ms": p99, "errors": errors, "carried": carried}
        steps.append(step)
        print(json.dumps(step), file=sys.stderr)
        deadline = time.perf_counter() + 60  # let the backlog of this step drain before the next
        while not engine.jobs.empty() and time.perf_counter() < deadline:
            time.sleep(0.5)
        if not carried or p99 > 1.3 * floor_p99:
            break
        headroom = multiple
    engine.drain(grace=20)
    figures = verify(cluster, world, engine)
    return {"bench": "cluster", "mode": "load", "step_s": step_s, "floor": "0.1 x district peak",
            "floor_p99_ms": floor_p99, "headroom": headroom, "steps": steps,
            "missing": figures["missing"], "duplicates": figures["duplicates"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--load", action="store_true", help="no faults: the district peak and step by step more")
    parser.add_argument("--port", type=int, default=55060)
    parser.add_argument("--apps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.3,
                        help="faults: the district peak times this (default 0.3: what the shared 2-core machine "
                             "carries with room to catch up after each fault; 1.0 queues without end there)")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running (tools/cluster.py stop)")
    args = parser.parse_args()
    directory = Path(f"/tmp/shequ-cluster-bench.{args.port}")  # noqa: S108
    cluster = Cluster(directory, port=args.port, apps=args.apps, workers=args.workers)
    cluster.stop()
    shutil.rmtree(directory, ignore_errors=True)
    cluster = Cluster(directory, port=args.port, apps=args.apps, workers=args.workers)
    try:
        cluster.dir.mkdir(parents=True)
        cluster.dir.chmod(0o755)
        shutil.chown(cluster.dir, "postgres", "postgres") if os.geteuid() == 0 else None
        (cluster.dir / "app").mkdir()
        cluster.save()
        cluster.create_databases()
        world = prepare(cluster)
        status = cluster.start()
        print(json.dumps(status), file=sys.stderr)
        if args.load:
            result = run_load(cluster, world, step_s=10 if args.quick else 20)
        else:
            result = run_faults(cluster, world, seconds=75 if args.quick else 150, scale=args.scale)
        result |= {"apps": args.apps, "workers": args.workers, "cores": os.cpu_count(),
                   "loadavg": [round(x, 1) for x in os.getloadavg()]}
        print(json.dumps(result, ensure_ascii=False))
    finally:
        if not args.keep:
            cluster.stop()


if __name__ == "__main__":
    main()
