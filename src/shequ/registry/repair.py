"""Finding and repairing values that a save emptied without the user emptying them.

Until the date inputs were fixed (core/forms.py), every save of the person edit form in Chinese
sent the birth date back empty, and the update stored that: the audit log shows it as
``birth_date: '2021-03-28' -> None``. The log holds what was lost, so it can be put back.

An update event is *damage* to a field when:

- the field is one the edit page could empty by itself (``EMPTIED_BY_THE_PAGE``: inputs that could
  not show their value; a text input never drops what it shows, so an emptied note or phone number
  was the user's doing and is left alone);
- it set the field from a value to nothing, and its summary does not say the user emptied it on
  purpose (the guarded edit forms record that, audit/summaries.py);
- it is the last event that wrote the field (nobody has typed a value in or emptied it again since),
  and the field is still empty now.

Each repair goes through ``services.person_restore`` and is audited as a repair of its event, so
running the repair again finds nothing more to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shequ.audit.models import AuditEvent
from shequ.audit.summaries import cleared_fields
from shequ.registry import services
from shequ.registry.models import Community, Person

# object type -> fields whose edit-form input could come back empty without the user emptying it.
EMPTIED_BY_THE_PAGE: dict[str, tuple[str, ...]] = {"person": ("birth_date",)}

_READ_BACK = {"birth_date": dt.date.fromisoformat}


@dataclass(frozen=True)
class Damage:
    event: AuditEvent
    person: Person
    field: str
    value: Any  # what the event emptied, as the model stores it


def _empty(value: Any) -> bool:
    return value in (None, "", [])


def find_damage(*, community: Community | None = None, events: list[int] | None = None) -> list[Damage]:
    """Every field that an update emptied by itself and that is still empty, oldest event first.
    ``events`` limits the result to those audit event ids."""
    found: list[Damage] = []
    for object_type, fields in EMPTIED_BY_THE_PAGE.items():
        for field in fields:
            # The last event that wrote the field, per object: a later one (a value typed in again,
            # a repair, an import) supersedes an earlier emptying.
            last: dict[str, AuditEvent] = {}
            qs = AuditEvent.objects.filter(object_type=object_type, after__has_key=field)
            if community is not None:
                qs = qs.filter(community=community)
            for event in qs.order_by("id").iterator(chunk_size=2000):
                last[event.object_id] = event
            candidates = {
                int(object_id): event for object_id, event in last.items()
                if event.action == AuditEvent.Action.UPDATE and object_id.isdigit()
                and isinstance(event.before, dict) and not _empty(event.before.get(field))
                and _empty((event.after or {}).get(field)) and field not in cleared_fields(event.summary)
                and (events is None or event.pk in events)
            }
            still_empty = Person.objects.filter(pk__in=list(candidates), **{f"{field}__isnull": True}).select_related(
                "household__room__unit__building__compound")
            for person in still_empty:
                event = candidates[person.pk]
                found.append(Damage(event=event, person=person, field=field,
                                    value=_READ_BACK.get(field, str)((event.before or {})[field])))
    return sorted(found, key=lambda d: (d.event.pk, d.field))


def repair(damage: Damage, *, actor: Any = None, username: str = "cli") -> bool:
    """Put one emptied value back; False when it is no longer empty (filled in since it was found)."""
    restored = services.person_restore(actor=actor, username=username, person=damage.person,
                                       values={damage.field: damage.value}, repaired_event_id=damage.event.pk)
    return damage.field in restored
