"""The ``shequ`` command.

``shequ demo``, ``shequ serve``, ``shequ worker`` (the background jobs: jobs/management/commands/worker.py),
``shequ import-roster``, ``shequ token`` and every Django
management command (``shequ migrate``, ``shequ createsuperuser`` ...). Commands are thin: they
parse arguments and call services.
"""

from __future__ import annotations

import os
import sys

# Spelled with hyphens on the command line, as the README shows them.
ALIASES = {"import-roster": "import_roster", "repair-blanked": "repair_blanked",
           "import-health-list": "import_health_list", "parse-orders": "parse_orders",
           "care-sweep": "care_sweep", "street-account": "street_account"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    if args and args[0] == "demo":
        os.environ.setdefault("SHEQU_MODE", "demo")
    elif args and args[0] == "serve":
        os.environ.setdefault("SHEQU_MODE", "production")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shequ", *args])


if __name__ == "__main__":
    main()
