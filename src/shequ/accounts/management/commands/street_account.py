"""``shequ street-account``: an account of a street office, made on the server.

No community may grant the street role (it stands above the secretaries), so the system gives it,
as ``shequ setup`` gives the first secretary: the account gets a one-time password to change at the
first login, and then adds communities and their secretaries at /accounts/street/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.accounts.services import street_account_create
from shequ.registry.models import Street


class Command(BaseCommand):
    help = "Create an account of a street office (role street) with a one-time password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--street", required=True, help="Code of the street office, as given to shequ setup.")
        parser.add_argument("--name", required=True, help="The person's name.")
        parser.add_argument("--phone", default="", help="Their phone number (also the username).")
        parser.add_argument("--username", default="", help="Their username (default: the phone number).")

    def handle(self, *args: Any, **o: Any) -> None:
        street = Street.objects.filter(code=o["street"].strip().lower()).first()
        if street is None:
            known = ", ".join(Street.objects.order_by("code").values_list("code", flat=True)) or "none yet: shequ setup"
            raise CommandError(f"no street office with the code {o['street']} (known: {known})")
        try:
            account = street_account_create(actor=None, street=street, name=o["name"], phone=o["phone"],
                                            username=o["username"])
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" if k and k != "__all__" else " ".join(v)
                                         for k, v in problems.items())) from None
        self.stdout.write(
            f"Street office {street.name}: {account.user.first_name}, username {account.user.username}\n"
            f"One-time password: {account.password}\n"
            f"It works once, within {settings.SHEQU_ONE_TIME_PASSWORD_HOURS} hours; it must be changed at the "
            "first login (/accounts/login/). The street office's page is /accounts/street/.")
