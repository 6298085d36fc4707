"""``shequ serve``: the production server (gunicorn, several worker processes).

Refuses to start without a real secret key: ``SHEQU_SECRET_KEY`` must be set, at least 32 characters
and 5 different characters (after trimming whitespace), and not the development default. Host, port
and workers come from the options or from ``SHEQU_HOST`` / ``SHEQU_PORT`` / ``SHEQU_WORKERS``. It does not migrate: run ``shequ migrate`` when
upgrading, before starting the new version (see docs/deployment).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections
from django.utils.translation import gettext as _

MIN_SECRET_LENGTH = 32
MIN_SECRET_UNIQUE_CHARACTERS = 5  # as Django's check security.W009


def default_workers() -> int:
    # gunicorn's rule of thumb, capped: each worker holds its own database connection.
    return min(2 * (os.cpu_count() or 1) + 1, 9)


def secret_key_problem() -> str | None:
    """Why the configured secret key must not be used in production, or None when it is fine.

    The key is judged as trimmed: whitespace around the public default is still the default, and 32
    spaces are no key at all. Variety follows Django's own check (security.W009): a key of fewer
    than 5 distinct characters ("a" x 32) can be guessed whatever its length."""
    if not os.environ.get("SHEQU_SECRET_KEY", "").strip():
        return _("SHEQU_SECRET_KEY is not set.")
    key = str(settings.SECRET_KEY).strip()
    if key == settings.INSECURE_DEFAULT_SECRET.strip():
        return _("SHEQU_SECRET_KEY is the development default, which is public.")
    if len(key) < MIN_SECRET_LENGTH:
        return _("SHEQU_SECRET_KEY is shorter than %(n)d characters.") % {"n": MIN_SECRET_LENGTH}
    if len(set(key)) < MIN_SECRET_UNIQUE_CHARACTERS:
        return _("SHEQU_SECRET_KEY has fewer than %(n)d different characters.") % {"n": MIN_SECRET_UNIQUE_CHARACTERS}
    return None


def audit_role_problem() -> str | None:
    """On PostgreSQL, why the app's database role could rewrite the audit log (it owns the table or
    acts as its owner, is a superuser, or holds UPDATE, DELETE or TRUNCATE on it), or None. The
    triggers refuse those statements, but an owner can disable triggers (docs/deployment.md)."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.rolsuper, pg_has_role(current_user, t.tableowner, 'USAGE'),"
                " has_table_privilege(t.schemaname || '.' || t.tablename, 'UPDATE, DELETE, TRUNCATE')"
                " FROM pg_roles r, pg_tables t WHERE r.rolname = current_user"
                " AND t.tablename = 'audit_auditevent' AND t.schemaname = current_schema()"
            )
            row = cursor.fetchone()
    except DatabaseError as exc:
        return _("Could not check the database role's rights on the audit log: %(error)s") % {"error": exc}
    finally:
        connection.close()  # workers are forked: no connection may be shared with them
    if row is None:
        return None  # not migrated yet; `shequ migrate` comes first
    superuser, owner, rewrite = row
    if superuser or owner or rewrite:
        return _("The database role %(role)s can rewrite the audit log (it is a superuser, owns the table, or may "
                 "update, delete or truncate it). Run the app as a role that may only read and append to it: "
                 "see docs/deployment.md, PostgreSQL.") % {"role": connection.settings_dict.get("USER") or "?"}
    return None


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise CommandError(_("%(name)s must be a whole number, not %(value)r") % {"name": name, "value": value}) from None


class Command(BaseCommand):
    help = "Serve in production with gunicorn. Needs SHEQU_SECRET_KEY; run `shequ migrate` first when upgrading."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="Address to listen on (SHEQU_HOST, default 0.0.0.0).")
        parser.add_argument("--port", type=int, default=None, help="Port (SHEQU_PORT, default 8000).")
        parser.add_argument("--workers", type=int, default=None,
                            help="Worker processes (SHEQU_WORKERS, default 2 x CPUs + 1, at most 9).")
        parser.add_argument("--check", action="store_true", help="Check the configuration and exit.")

    def handle(self, *args: Any, host: str | None, port: int | None, workers: int | None, check: bool,
               **options: Any) -> None:
        problem = secret_key_problem()
        if problem:
            raise CommandError(
                problem + " " + _("Refusing to start. Set SHEQU_SECRET_KEY to a long random value, for example "
                                  "the output of: python -c \"import secrets; print(secrets.token_urlsafe(50))\"")
            )
        host = host or os.environ.get("SHEQU_HOST") or "0.0.0.0"  # noqa: S104 - a server listens on all interfaces
        port = port if port is not None else _env_int("SHEQU_PORT", 8000)
        workers = workers if workers is not None else _env_int("SHEQU_WORKERS", default_workers())
        if not 0 < port < 65536:
            raise CommandError(_("the port must be between 1 and 65535"))
        if workers < 1:
            raise CommandError(_("at least one worker is needed"))
        if settings.DEBUG:
            self.stderr.write(self.style.WARNING(_("SHEQU_DEBUG is on: error pages will show internal details.")))
        if not os.environ.get("SHEQU_ALLOWED_HOSTS"):
            self.stderr.write(self.style.WARNING(_(
                "SHEQU_ALLOWED_HOSTS is not set: only requests for 127.0.0.1 and localhost will be answered."
            )))
        audit_problem = audit_role_problem()
        if audit_problem:
            self.stderr.write(self.style.WARNING(audit_problem))
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if check:
            self.stdout.write(_("Configuration OK: would serve on %(bind)s with %(workers)d workers.") % {
                "bind": bind, "workers": workers,
            })
            return
        self.stdout.write(_("Serving on %(bind)s with %(workers)d workers.") % {"bind": bind, "workers": workers})
        # WhiteNoise serves from the finders when collectstatic has not run, but warns if the directory is missing.
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        run_gunicorn(bind=bind, workers=workers)


# After its master has died, a worker finishes the request in hand for at most this long, then is
# stopped: the port is free within 5 s, so that a restart can bind it (a worker waiting in select()
# noticed an orphaned state only on gunicorn's own check, after up to half the timeout: 40 s seen).
ORPHAN_GRACE_SECONDS = 3.0
ORPHAN_HARD_STOP_SECONDS = 4.5
_PR_SET_PDEATHSIG = 1


def _ask_for_parent_death_signal(sig: int) -> bool:
    """Linux: the kernel sends ``sig`` to this process the moment its parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _stop_when_orphaned(master: int) -> None:
    """A worker's watchdog (a daemon thread): when the master is gone, SIGTERM (gunicorn's worker
    finishes its request and leaves its loop at once: the signal wakes its select()), then SIGABRT
    (gunicorn raises SystemExit in the request, so an import still records how far it got), then
    exit. Polls twice a second; where prctl works the kernel's signal comes first."""
    while os.getppid() == master:
        time.sleep(0.5)
    me = os.getpid()
    os.kill(me, signal.SIGTERM)
    time.sleep(ORPHAN_GRACE_SECONDS)
    os.kill(me, signal.SIGABRT)
    time.sleep(ORPHAN_HARD_STOP_SECONDS - ORPHAN_GRACE_SECONDS)
    os._exit(1)


def exit_with_master(server: Any, worker: Any) -> None:
    """gunicorn's post_fork hook, run in each worker just after it is forked."""
    _ask_for_parent_death_signal(signal.SIGTERM)
    master = worker.ppid
    if os.getppid() != master:  # the master died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=_stop_when_orphaned, args=(master,), name="orphan-watchdog", daemon=True).start()


def leave_at_once(server: Any, worker: Any) -> None:
    """gunicorn's worker_exit hook, the last thing a worker runs: end the process now. The worker is
    a fork of the master, and a normal interpreter exit tears down the whole application the master
    had loaded (seconds on a busy machine, with the port held all along); nothing is left to do
    once the worker's loop has ended (requests answered, connections closed with the process)."""
    if worker is not None and getattr(worker, "pid", None) != os.getpid():
        return  # the master calls this hook too, for a worker it found already gone
    # Called from gunicorn's `finally` while its SystemExit propagates: keep that exit status (a
    # worker that failed to boot exits with 3, and the master stops instead of forking it again).
    leaving = sys.exc_info()[1]
    status = leaving.code if isinstance(leaving, SystemExit) and isinstance(leaving.code, int) else (
        0 if leaving is None or isinstance(leaving, SystemExit) and leaving.code is None else 1)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


def run_gunicorn(*, bind: str, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from shequ.wsgi import application

    class ShequApplication(BaseApplication):
        """gunicorn with its configuration from here rather than its own command line."""

        def load_config(self) -> None:
            self.cfg.set("bind", [bind])
            self.cfg.set("workers", workers)
            self.cfg.set("timeout", _env_int("SHEQU_TIMEOUT", 60))
            self.cfg.set("graceful_timeout", 30)
            self.cfg.set("accesslog", "-")
            self.cfg.set("errorlog", "-")
            self.cfg.set("proc_name", "shequ")
            # Workers leave when their master dies (kill -9, OOM killer), so the port is free.
            self.cfg.set("post_fork", exit_with_master)
            self.cfg.set("worker_exit", leave_at_once)
            # Behind a reverse proxy on the same host, trust its X-Forwarded-* headers.
            self.cfg.set("forwarded_allow_ips", os.environ.get("SHEQU_FORWARDED_ALLOW_IPS", "127.0.0.1"))
            # gunicorn >= 25 opens a control socket in the home directory; two servers on one host
            # would share it, and nothing here uses it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return application

    # Workers are forked: no database connection may be shared between them.
    connections.close_all()
    ShequApplication().run()
