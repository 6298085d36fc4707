"""A whole deployment on one machine, from the machine's own packages (docs/deployment.md "A cluster
on one machine"): a PostgreSQL primary, a streaming replica, PgBouncer in transaction mode in front
of the primary, N app servers (`shequ serve`, gunicorn) and nginx balancing over them.

    uv run python tools/cluster.py start [--apps 3] [--workers 2] [--port 55060] [--dir DIR]
    uv run python tools/cluster.py status [--dir DIR]      # one JSON object
    uv run python tools/cluster.py stop [--dir DIR]

Everything lives in one temporary directory (default /tmp/shequ-cluster.PORT), described by its
cluster.json. Ports, from --port P: primary P, replica P+1, PgBouncer P+2, nginx P+3, app servers
P+4 ... PostgreSQL and PgBouncer refuse to run as root: they run as the `postgres` user (runuser), as
the database does on a Debian server; gunicorn and nginx run as whoever starts this (nginx's
workers as `nobody` when that is root). bench/cluster.py imports this module to inject its faults.
For trying things, not for production: trust authentication on loopback, no TLS.
"""

# ruff: noqa: S603, S607 - it runs the machine's own servers (runuser, pg_ctl, nginx, pgbouncer) by design
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SHEQU = ROOT / ".venv" / "bin" / "shequ"


def _as_postgres(*command: str | Path, check: bool = True, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*runner, *map(str, command)], check=check, **kw)


def _wait_port(port: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def _wait_http(port: int, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            ok = conn.getresponse().status == 200
            conn.close()
            if ok:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


class Cluster:
    """The processes of one cluster directory; every method is safe to call again."""

    def __init__(self, directory: Path, *, port: int = 55060, apps: int = 3, workers: int = 2) -> None:
        self.dir = directory
        state = directory / "cluster.json"
        if state.exists():
            saved = json.loads(state.read_text())
            port, apps, workers = saved["port"], saved["apps"], saved["workers"]
            self.secret = saved["secret"]
        else:
            self.secret = secrets.token_urlsafe(40)
        if apps < 1 or 4 + apps > 20:
            sys.exit("--apps must be 1 to 16 (the app servers' ports follow --port + 4)")
        self.port, self.apps, self.workers = port, apps, workers
        self.primary_port, self.replica_port, self.bouncer_port, self.nginx_port = port, port + 1, port + 2, port + 3
        self.app_ports = [port + 4 + i for i in range(apps)]

    # URLs ------------------------------------------------------------------------------------------
    def url(self, which: str = "bouncer") -> str:
        port = {"primary": self.primary_port, "replica": self.replica_port, "bouncer": self.bouncer_port}[which]
        return f"postgres://postgres@127.0.0.1:{port}/shequ"

    def app_env(self) -> dict[str, str]:
        """The environment every app server gets (as /etc/shequ/shequ.env would be)."""
        return {**os.environ, "SHEQU_DATABASE_URL": self.url("bouncer"), "SHEQU_PGBOUNCER": "1",
                "SHEQU_REPLICA_URL": self.url("replica"), "SHEQU_SECRET_KEY": self.secret,
                "SHEQU_ALLOWED_HOSTS": "127.0.0.1,localhost", "SHEQU_DATA_DIR": str(self.dir / "app"),
                "SHEQU_PROXY_COUNT": "1", "SHEQU_FORWARDED_ALLOW_IPS": "127.0.0.1"}

    def save(self) -> None:
        (self.dir / "cluster.json").write_text(json.dumps({
            "port": self.port, "apps": self.apps, "workers": self.workers, "secret": self.secret,
            "nginx": f"http://127.0.0.1:{self.nginx_port}", "primary": self.url("primary"),
            "replica": self.url("replica"), "bouncer": self.url("bouncer"), "app_ports": self.app_ports}, indent=1))

    # PostgreSQL ------------------------------------------------------------------------------------
    def _pg_start(self, name: str, port: int) -> None:
        data = self.dir / name
        if (data / "postmaster.pid").exists():
            return
        # fsync stays on: the figures must be honest (docs/shared machine tips). jit off as in
        # settings.py, here on the server because PgBouncer drops the client's startup options.
        _as_postgres(PG_BIN / "pg_ctl", "-D", data, "-w", "-l", self.dir / f"{name}.log", "-o",
                     f"-k {self.dir} -p {port} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                     "-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on -c jit=off "
                     "-c shared_buffers=128MB", "start", stdout=subprocess.DEVNULL)

    def primary_start(self) -> None:
        self._pg_start("primary", self.primary_port)

    def primary_stop(self, mode: str = "fast") -> None:
        if (self.dir / "primary" / "postmaster.pid").exists():
            _as_postgres(PG_BIN / "pg_ctl", "-D", self.dir / "primary", "-m", mode, "-w", "stop",
                         stdout=subprocess.DEVNULL, check=False)

    def create_databases(self) -> None:
        if not (self.dir / "primary").exists():
            _as_postgres(PG_BIN / "initdb", "-D", self.dir / "primary", "-A", "trust", "-U", "postgres",
                         "-E", "UTF8", "--locale=C.UTF-8", stdout=subprocess.DEVNULL)
        self.primary_start()
        exists = _as_postgres(PG_BIN / "psql", "-h", "127.0.0.1", "-p", self.primary_port, "-U", "postgres", "-tAc",
                              "SELECT 1 FROM pg_database WHERE datname = 'shequ'", capture_output=True).stdout
        if not exists.strip():
            _as_postgres(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.primary_port, "-U", "postgres", "shequ")
        # Tables first, then the copy: the replica starts from a base backup of the migrated primary.
        subprocess.run([str(SHEQU), "migrate", "--noinput", "-v", "0"], check=True,
                       env={**os.environ, "SHEQU_DATABASE_URL": self.url("primary"),
                            "SHEQU_DATA_DIR": str(self.dir / "app")})
        if not (self.dir / "replica").exists():
            _as_postgres(PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", self.primary_port, "-U", "postgres",
                         "-D", self.dir / "replica", "-R", "-X", "stream", "-c", "fast")
        self._pg_start("replica", self.replica_port)

    # PgBouncer -------------------------------------------------------------------------------------
    def bouncer_config(self) -> Path:
        ini = self.dir / "pgbouncer.ini"
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        ini.write_text(f"""[databases]
shequ = host=127.0.0.1 port={self.primary_port} dbname=shequ user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.bouncer_port}
unix_socket_dir = {self.dir}
auth_type = trust
auth_file = {self.dir}/userlist.txt
pool_mode = transaction
; every app worker holds one client connection; the pool to PostgreSQL stays small
max_client_conn = 1000
default_pool_size = 20
reserve_pool_size = 5
; the primary away (restarted, failed over): clients wait this long for a server connection
query_wait_timeout = 30
server_login_retry = 1
logfile = {self.dir}/pgbouncer.log
pidfile = {self.dir}/pgbouncer.pid
admin_users = postgres
; psycopg sends these at start-up; in transaction mode they cannot be kept per client
ignore_startup_parameters = extra_float_digits,options
""")
        for p in (ini, self.dir / "userlist.txt"):
            shutil.chown(p, "postgres", "postgres") if os.geteuid() == 0 else None
        return ini

    def bouncer_pid(self) -> int | None:
        return _pid_alive(self.dir / "pgbouncer.pid")

    def bouncer_start(self) -> None:
        if self.bouncer_pid():
            return
        _as_postgres("pgbouncer", "-d", self.bouncer_config())
        if not _wait_port(self.bouncer_port):
            sys.exit(f"PgBouncer did not listen on {self.bouncer_port}; see {self.dir}/pgbouncer.log")

    def bouncer_stop(self) -> None:
        pid = self.bouncer_pid()
        if pid:
            os.kill(pid, signal.SIGINT)  # immediate shutdown: open client connections are cut
            _wait_gone(pid)

    # App servers -----------------------------------------------------------------------------------
    def app_pidfile(self, i: int) -> Path:
        return self.dir / f"app{i}.pid"

    def app_start(self, i: int) -> None:
        if _pid_alive(self.app_pidfile(i)):
            return
        log = open(self.dir / f"app{i}.log", "ab")  # noqa: SIM115 - the server keeps it
        server = subprocess.Popen(
            [str(SHEQU), "serve", "--host", "127.0.0.1", "--port", str(self.app_ports[i]),
             "--workers", str(self.workers)], env=self.app_env(), cwd=ROOT, stdout=log, stderr=log,
            start_new_session=True)  # its own process group: `kill -9` of the server takes its workers too
        self.app_pidfile(i).write_text(str(server.pid))

    def app_kill(self, i: int) -> None:
        """The machine of app server ``i`` dies: SIGKILL to the master and all its workers."""
        pid = _pid_alive(self.app_pidfile(i))
        if pid:
            os.killpg(pid, signal.SIGKILL)
            _wait_gone(pid)
            self.app_pidfile(i).unlink(missing_ok=True)

    def app_stop(self, i: int) -> None:
        pid = _pid_alive(self.app_pidfile(i))
        if pid:
            os.killpg(pid, signal.SIGTERM)
            _wait_gone(pid, 30)
        self.app_pidfile(i).unlink(missing_ok=True)

    def app_wait(self, i: int) -> bool:
        return _wait_http(self.app_ports[i])

    # nginx -----------------------------------------------------------------------------------------
    def nginx_config(self) -> Path:
        tmp = self.dir / "nginx"
        tmp.mkdir(exist_ok=True)
        servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in self.app_ports)
        conf = self.dir / "nginx.conf"
        conf.write_text(f"""worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  client_max_body_size 60m;
  upstream shequ {{
{servers}
    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{self.nginx_port};
    location / {{
      proxy_pass http://shequ;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # An app server that refuses the connection or dies mid-request: the request goes to the next
      # one, POSTs too (non_idempotent). Safe because every write carries its client id (API) or a
      # submit-once token (pages): a write the dead server committed before dying is found again,
      # not stored twice. Not on `timeout`: a slow request (a roster import) must not run twice.
      # Not on http_503: the app answers 503 when the database is away, which every app server
      # shares; counting it as the server's failure marked all of them dead ("no live upstreams").
      proxy_next_upstream error non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 60s;
    }}
  }}
}}
""")
        return conf

    def nginx_start(self) -> None:
        if _pid_alive(self.dir / "nginx.pid"):
            return
        subprocess.run(["nginx", "-c", str(self.nginx_config()), "-p", str(self.dir)], check=True)
        if not _wait_port(self.nginx_port):
            sys.exit(f"nginx did not listen on {self.nginx_port}; see {self.dir}/nginx-error.log")

    def nginx_stop(self) -> None:
        pid = _pid_alive(self.dir / "nginx.pid")
        if pid:
            subprocess.run(["nginx", "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir), "-s", "quit"],
                           check=False)
            _wait_gone(pid)

    # The whole -------------------------------------------------------------------------------------
    def start(self) -> dict[str, Any]:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        (self.dir / "app").mkdir(exist_ok=True)
        self.save()
        self.create_databases()
        self.bouncer_start()
        for i in range(self.apps):
            self.app_start(i)
        for i in range(self.apps):
            if not self.app_wait(i):
                sys.exit(f"app server {i} did not answer; see {self.dir}/app{i}.log")
        self.nginx_start()
        return self.status()

    def stop(self) -> None:
        self.nginx_stop()
        for i in range(self.apps):
            self.app_stop(i)
        self.bouncer_stop()
        if (self.dir / "replica" / "postmaster.pid").exists():
            _as_postgres(PG_BIN / "pg_ctl", "-D", self.dir / "replica", "-m", "fast", "-w", "stop",
                         stdout=subprocess.DEVNULL, check=False)
        self.primary_stop()

    def status(self) -> dict[str, Any]:
        def pg(port: int) -> str:
            r = subprocess.run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"], check=False)
            return "up" if r.returncode == 0 else "down"

        lag = None
        if pg(self.replica_port) == "up":
            out = _as_postgres(PG_BIN / "psql", "-h", "127.0.0.1", "-p", self.replica_port, "-U", "postgres",
                               "-tAc", "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
                               "THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END",
                               capture_output=True, check=False).stdout.decode().strip()
            lag = float(out) if out else None
        return {"dir": str(self.dir), "nginx": f"http://127.0.0.1:{self.nginx_port}",
                "nginx_up": bool(_pid_alive(self.dir / "nginx.pid")),
                "primary": pg(self.primary_port), "replica": pg(self.replica_port), "replica_lag_s": lag,
                "pgbouncer": "up" if self.bouncer_pid() else "down",
                "apps": {str(p): ("up" if _pid_alive(self.app_pidfile(i)) else "down")
                         for i, p in enumerate(self.app_ports)}}


def _pid_alive(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def _wait_gone(pid: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        with contextlib.suppress(ChildProcessError):  # our own child: reap it
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--port", type=int, default=55060, help="first of the cluster's ports (default 55060)")
    parser.add_argument("--apps", type=int, default=3, help="app servers (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server (default 2)")
    parser.add_argument("--dir", type=Path, default=None, help="cluster directory (default /tmp/shequ-cluster.PORT)")
    args = parser.parse_args()
    cluster = Cluster(args.dir or Path(f"/tmp/shequ-cluster.{args.port}"), port=args.port, apps=args.apps,  # noqa: S108
                      workers=args.workers)
    if args.action == "start":
        print(json.dumps(cluster.start()))
    elif args.action == "stop":
        cluster.stop()
        print(json.dumps(cluster.status()))
    else:
        print(json.dumps(cluster.status()))


if __name__ == "__main__":
    main()
