"""``shequ setup``: the first run on an empty database, without the Django admin.

With the names given, it creates the street office, the first community and its secretary, and
prints the secretary's one-time password. With ``--code`` it prints a one-time code instead, which
opens the first-run page (/accounts/setup/) from another machine. Either way only while no community
exists.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.accounts.services import first_community_setup, setup_code_issue
from shequ.registry.models import Community


class Command(BaseCommand):
    help = "First run: create the street office, the first community and its secretary (one-time password)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--street", help="Name of the street office, e.g. 新华街道.")
        parser.add_argument("--street-code", help="Code of the street office (letters, digits, hyphens).")
        parser.add_argument("--community", help="Name of the community, e.g. 富通社区.")
        parser.add_argument("--community-code", help="Code of the community (letters, digits, hyphens).")
        parser.add_argument("--secretary", help="The secretary's name.")
        parser.add_argument("--phone", default="", help="The secretary's phone number (also the username).")
        parser.add_argument("--username", default="", help="The secretary's username (default: the phone number).")
        parser.add_argument("--code", action="store_true",
                            help="Print a one-time code for the first-run page instead (valid 24 hours).")
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply migrations first.")

    def handle(self, *args: Any, **o: Any) -> None:
        if not o["no_migrate"]:
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            # On stderr, so that --code's output stays the code: the first migration takes a while.
            self.stderr.write("Preparing the database (the first time takes about a minute)...")
            call_command("migrate", interactive=False, verbosity=0)
        if Community.objects.exists():
            raise CommandError("This installation is set up already: the street office adds communities "
                               "on its page (/accounts/street/).")
        if o["code"]:
            code = setup_code_issue()
            self.stdout.write(f"Setup code (valid 24 hours, until the first community exists): {code}\n"
                              "Open /accounts/setup/ on this server and give it there.")
            return
        needed = {"--street": o["street"], "--street-code": o["street_code"], "--community": o["community"],
                  "--community-code": o["community_code"], "--secretary": o["secretary"]}
        missing = [flag for flag, value in needed.items() if not value]
        if missing:
            raise CommandError(f"give {', '.join(missing)} (or --code for the first-run page)")
        try:
            created = first_community_setup(
                street_code=o["street_code"], street_name=o["street"], code=o["community_code"], name=o["community"],
                secretary_name=o["secretary"], secretary_phone=o["phone"], secretary_username=o["username"])
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" if k and k != "__all__" else " ".join(v)
                                         for k, v in problems.items())) from None
        secretary = created.secretary
        self.stdout.write(
            f"Created {created.community.street.name} / {created.community.name} ({created.community.code}).\n"
            f"Secretary {secretary.user.first_name}: username {secretary.user.username}\n"
            f"One-time password: {secretary.password}\n"
            f"It works once, within {settings.SHEQU_ONE_TIME_PASSWORD_HOURS} hours; it must be changed at the "
            "first login (/accounts/login/).")
