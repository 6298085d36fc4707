"""``shequ gate_device``: API tokens for gate devices, each bound to one gate.

    shequ gate_device create --gate 12 --user gate1 [--name "东门 scanner"]   # prints the token once
    shequ gate_device list [--gate 12]
    shequ gate_device revoke sq_AbCdEf                                       # by the prefix list shows

A bound token may read and post at its gate only: any other gate id is a 404. Creating and revoking
are written to the audit log, as ``shequ token`` does for plain tokens.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils import timezone

from shequ.accounts.models import User
from shequ.gates.models import Gate, GateDevice
from shequ.gates.services import gate_device_create, gate_device_revoke


def _local(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


class Command(BaseCommand):
    help = ("Gate device tokens: `gate_device create --gate ID --user USERNAME [--name NAME]`, "
            "`gate_device list [--gate ID]`, `gate_device revoke PREFIX`.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token bound to one gate and print it (shown only once).")
        create.add_argument("--gate", type=int, required=True, help="The gate's id (see `gate_device list --gates`).")
        create.add_argument("--user", required=True, help="The account the device acts as, e.g. the gate's guard.")
        create.add_argument("--name", default="", help="What the device is, e.g. '东门 scanner'.")
        listing = sub.add_parser("list", help="List device tokens (prefixes only), or the gates with --gates.")
        listing.add_argument("--gate", type=int)
        listing.add_argument("--gates", action="store_true", help="List the gates and their ids instead.")
        revoke = sub.add_parser("revoke", help="Revoke a device token by its prefix (as printed by list).")
        revoke.add_argument("prefix")

    @no_translations  # messages in English, like the other commands, whatever language a test left active
    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(options["gate"], options["user"], options["name"])
        elif action == "list":
            self._list(options.get("gate"), options.get("gates", False))
        else:
            self._revoke(options["prefix"])

    def _create(self, gate_id: int, username: str, name: str) -> None:
        gate = Gate.objects.select_related("compound", "community").filter(pk=gate_id).first()
        if gate is None:
            raise CommandError(f"no gate with id {gate_id} (`gate_device list --gates` shows them)")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        try:
            _device, key = gate_device_create(gate=gate, user=user, name=name)
        except ValidationError as e:
            raise CommandError("; ".join(e.messages)) from None
        self.stdout.write(key)

    def _list(self, gate_id: int | None, gates: bool) -> None:
        if gates:
            for g in Gate.objects.select_related("community", "compound").order_by("community_id", "compound_id", "id"):
                self.stdout.write(f"{g.pk}\t{g.community.code}\t{g.compound.name}\t{g.name}\t{g.status}")
            return
        devices = GateDevice.objects.select_related("gate__compound", "token__user").order_by("token__created_at")
        if gate_id is not None:
            devices = devices.filter(gate_id=gate_id)
        for d in devices:
            t = d.token
            state = f"revoked {_local(t.revoked_at)}" if t.revoked_at else "active"
            used = f"last used {_local(t.last_used_at)}" if t.last_used_at else "never used"
            self.stdout.write(f"{t.prefix}\tgate {d.gate_id} {d.gate}\t{t.user.username}\t{t.name}\t"
                              f"{_local(t.created_at)}\t{used}\t{state}")

    def _revoke(self, prefix: str) -> None:
        matches = list(GateDevice.objects.select_related("token__user", "gate__community")
                       .filter(token__prefix=prefix, token__revoked_at__isnull=True))
        if len(matches) != 1:
            raise CommandError(f"{len(matches)} active gate device tokens have prefix {prefix!r}; expected one")
        gate_device_revoke(device=matches[0])
        self.stdout.write(f"revoked {prefix}")
