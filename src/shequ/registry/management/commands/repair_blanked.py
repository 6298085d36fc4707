"""``shequ repair-blanked [--apply] [--community CODE] [--event ID ...]``.

Finds, in the audit log, values that a save emptied without the user emptying them (birth dates
erased by the Chinese date format on the person edit form) and that are still empty, and puts them
back (registry/repair.py). Without ``--apply`` it only prints what it would do.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.registry.models import Community, Person
from shequ.registry.repair import Damage, find_damage, repair


class Command(BaseCommand):
    help = ("Find values that a save emptied without the user emptying them (from the audit log) and "
            "restore them. A dry run unless --apply is given.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="restore the values (default: only list them)")
        parser.add_argument("--community", help="only this community (its code)")
        parser.add_argument("--event", type=int, action="append", metavar="ID",
                            help="only the damage done by this audit event (may be repeated)")

    def handle(self, *args: Any, **options: Any) -> None:
        community = None
        if options["community"]:
            community = Community.objects.filter(code=options["community"]).first()
            if community is None:
                raise CommandError(_("there is no community with the code %(code)s") % {"code": options["community"]})
        found = find_damage(community=community, events=options["event"])
        restored = 0
        for damage in found:
            line = self._describe(damage)
            if options["apply"]:
                if repair(damage):
                    restored += 1
                    self.stdout.write(_("restored: %(what)s") % {"what": line})
                else:
                    self.stdout.write(_("skipped, filled in meanwhile: %(what)s") % {"what": line})
            else:
                self.stdout.write(_("would restore: %(what)s") % {"what": line})
        if not found:
            self.stdout.write(_("Nothing to repair: no value emptied by a save without the user is still empty."))
        elif options["apply"]:
            self.stdout.write(_("%(n)d of %(total)d values restored; each is recorded in the audit log as a repair.")
                              % {"n": restored, "total": len(found)})
        else:
            self.stdout.write(_("Dry run: %(n)d values to restore, nothing changed. Run again with --apply to "
                                "restore them.") % {"n": len(found)})

    @staticmethod
    def _describe(damage: Damage) -> str:
        person = damage.person
        room = person.household.room
        found = Person._meta.get_field(damage.field)  # a column of the person (registry.repair)
        field = found.verbose_name if isinstance(found, models.Field) else damage.field
        value = damage.value.isoformat() if hasattr(damage.value, "isoformat") else damage.value
        return _("%(name)s (person %(id)d, %(compound)s %(address)s): %(field)s %(value)s, emptied by "
                 "%(who)s on %(when)s (audit event %(event)d)") % {
            "name": person.name, "id": person.pk, "compound": room.unit.building.compound.name,
            "address": room.address, "field": field, "value": value, "who": damage.event.actor_username or "-",
            "when": timezone.localtime(damage.event.at).strftime("%Y-%m-%d %H:%M"), "event": damage.event.pk,
        }
