"""``shequ demo``: a working system on this computer in one command.

Creates the data directory, migrates, loads the demo data into an empty database, prints where to go and
how to log in, and serves with Django's development server (static files come from WhiteNoise, which
serves from the finders, so DEBUG may stay off). Binds to 127.0.0.1 unless told otherwise: every demo
account shares a password that is printed here and written in the docs.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.accounts.models import User
from shequ.core import pdf
from shequ.core.scoping import Role
from shequ.jobs.worker import WorkerThread
from shequ.ops.demo_data import DEMO_ACCOUNTS, build_demo, demo_is_loaded

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def demo_password() -> str:
    return os.environ.get("SHEQU_DEMO_PASSWORD") or settings.SHEQU_DEMO_PASSWORD_DEFAULT


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "Set up and serve the demo: migrate, load the demo data if the database is empty, print the accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the database and exit.")
        parser.add_argument("--no-worker", action="store_true",
                            help="Run no background worker in this process (run `shequ worker` instead).")

    def handle(self, *args: Any, host: str, port: int, no_serve: bool, verbosity: int, no_worker: bool = False,
               **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        # WhiteNoise serves from the finders in demo mode, but warns when STATIC_ROOT is missing.
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        db = settings.DATABASES["default"]
        where = str(db["NAME"]) if db["ENGINE"].endswith("sqlite3") else f"{db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}"
        self.stdout.write(_("Database: %(db)s") % {"db": where})
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))

        password = demo_password()
        if not demo_is_loaded():
            self.stdout.write(_("Loading the demo data (this takes a few seconds)..."))
            summary = build_demo(password=password)
            self.stdout.write(self.style.SUCCESS(
                _("Loaded %(communities)d communities, %(buildings)d buildings, %(households)d households, "
                  "%(persons)d persons, %(users)d accounts.") % summary
            ))
        elif not User.objects.filter(username=DEMO_ACCOUNTS[0].username).exists():
            self.stdout.write(self.style.WARNING(
                _("This database already holds communities but no demo accounts: the demo data was not loaded.")
            ))
        else:
            self.stdout.write(_("The demo data is already loaded; nothing was added."))

        self._print_missing_parts()

        # Listening on every interface: this computer is still reached through the loopback address.
        wildcard = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}  # noqa: S104 - only for the printed URL
        url_host = wildcard.get(host) or (f"[{host}]" if ":" in host else host)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Open http://%(host)s:%(port)d/ in a browser.") % {
            "host": url_host, "port": port,
        }))
        self.stdout.write(_("Every demo account has the password: %(password)s") % {"password": password})
        self.stdout.write("")
        self._print_accounts()
        if host not in LOOPBACK:
            self.stdout.write(self.style.WARNING(_(
                "Listening on %(host)s: anyone who can reach this computer can log in with the demo password. "
                "Add the address people will type to SHEQU_ALLOWED_HOSTS."
            ) % {"host": host}))
        if no_serve:
            return
        self.stdout.write(_("Press Ctrl+C to stop."))
        # One worker for the background jobs (docs/tasks.md) inside this process, stopped with the server.
        worker = None if no_worker else WorkerThread().start()
        try:
            if ":" in host:
                call_command("runserver", f"[{host}]:{port}", use_reloader=False, use_ipv6=True)
            else:
                call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.stop()

    def _print_missing_parts(self) -> None:
        """What this machine lacks for optional parts of the system, and how to get it: the demo
        runs without them, but a user should not find out at the first print."""
        problem = pdf.font_problem()
        if problem is not None:
            self.stdout.write(self.style.WARNING(
                _("Printing (pass cards, missing lists) is not available: %(problem)s") % {"problem": problem}
            ))
            self.stdout.write("  " + pdf.INSTALL_HINT)

    def _print_accounts(self) -> None:
        # A context of their own, so that Django's catalogue does not translate half of the header.
        header = (
            pgettext("demo accounts", "account"),
            pgettext("demo accounts", "name"),
            pgettext("demo accounts", "role"),
            pgettext("demo accounts", "scope"),
        )
        rows = [
            (a.username, a.display_name, str(Role(a.role).label), a.where) for a in DEMO_ACCOUNTS
        ]
        widths = [max(_width(r[i]) for r in [header, *rows]) + 2 for i in range(3)]
        for row in [header, *rows]:
            self.stdout.write("  " + "".join(_pad(cell, w) for cell, w in zip(row, widths, strict=False)) + row[3])
