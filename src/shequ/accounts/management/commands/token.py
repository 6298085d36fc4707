from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.accounts.models import ApiToken, User
from shequ.accounts.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = ("API tokens: `token create USERNAME [--name NAME]` (a general token: it may call every route its user "
            "may), `token list [USERNAME]`, `token revoke PREFIX`. Gate device tokens: `gate_device create`.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a general token and print it (shown only once).")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for, e.g. 'gate 1 scanner'.")
        listing = sub.add_parser("list", help="List tokens (prefixes only).")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix (as printed by list).")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            user = User.objects.filter(username=options["username"], is_active=True).first()
            if user is None:
                raise CommandError(f"no active user named {options['username']!r}")
            _token, key = api_token_create(user=user, name=options["name"])
            self.stdout.write(key)
        elif action == "list":
            tokens = ApiToken.objects.select_related("user").order_by("created_at")
            if options.get("username"):
                tokens = tokens.filter(user__username=options["username"])
            for t in tokens:
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
                self.stdout.write(f"{t.prefix}\t{t.user.username}\t{t.purpose}\t{t.name}\t"
                                  f"{t.created_at:%Y-%m-%d %H:%M}\t{state}")
        else:
            matches = list(ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
            if len(matches) != 1:
                raise CommandError(f"{len(matches)} active tokens have prefix {options['prefix']!r}; expected one")
            api_token_revoke(token=matches[0])
            self.stdout.write(f"revoked {matches[0].prefix}")
