"""The audit log as people read it: names instead of ``person 2931``, changes as "field: before →
after" instead of ``{'birth_date': ...}``, and the summaries code writes (exports, repairs,
deliberate emptyings) as sentences in the reader's language.

The log stores what happened as it happened (audit/models.py); this module only reads. It knows no
app: an event names its object by model name (``person``) and id, and the object's own model says
how it reads (``__str__``, ``get_absolute_url``, field verbose names and choices), found through the
app registry as core/scoping.py finds its models.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from django.apps import apps
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.audit import words
from shequ.audit.models import AuditEvent
from shequ.audit.summaries import cleared_fields, repaired_event

_EXPORT = re.compile(r"^(?P<what>.+?): (?P<rows>\d+) (?P<unit>rows?|cards?)(?:, (?P<detail>(?!(?:masked|unmasked)(?:;|$))[^;]*?))?"
                     r"(?:, (?P<masked>masked|unmasked))?(?:; (?P<query>.*))?$", re.DOTALL)
# Query parameters that only shape the answer, not what was exported.
_NOT_FILTERS = {"format", "page"}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Described:
    event: AuditEvent
    who: str
    object_label: str = ""
    object_url: str = ""
    sentence: str = ""
    changes: list[Change] = field(default_factory=list)


@lru_cache(maxsize=1)
def _models_by_name() -> dict[str, type[models.Model]]:
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        found.setdefault(model._meta.model_name or "", model)
    return found


def _empty() -> str:
    return pgettext("audit value", "(empty)")


class _Reader:
    """Reads the events of one page, looking up what they name in a few queries."""

    def __init__(self, events: list[AuditEvent]) -> None:
        self.events = events
        self.objects: dict[tuple[str, str], Any] = {}
        self.related: dict[type[models.Model], dict[int, Any]] = defaultdict(dict)
        self.references: dict[tuple[type[models.Model], int], Any] = {}
        wanted: dict[str, set[int]] = defaultdict(set)
        for e in events:
            if e.object_type and e.object_id.isdigit():
                wanted[e.object_type].add(int(e.object_id))
        for object_type, ids in wanted.items():
            model = _models_by_name().get(object_type)
            if model is None:
                continue
            for obj in self._fetch(model, ids):
                self.objects[(object_type, str(obj.pk))] = obj
        self._fetch_related()

    @staticmethod
    def _fetch(model: type[models.Model], ids: Iterable[int]) -> Iterable[Any]:
        qs = model._default_manager.filter(pk__in=list(ids))
        # What the labels of the registry's people and places read through (the room's address).
        relations = [name for name in ("household__room__unit__building__compound", "room__unit__building__compound",
                                       "unit__building__compound", "compound")
                     if _has_path(model, name)]
        return qs.select_related(*relations[:1]) if relations else qs

    def _fetch_related(self) -> None:
        """Objects that before/after values point at (a person's household, a household's room)."""
        wanted: dict[type[models.Model], set[int]] = defaultdict(set)
        for e in self.events:
            model = _models_by_name().get(e.object_type)
            for key, value in _values(e):
                target = _foreign_model(model, key)
                if target is not None and isinstance(value, int):
                    wanted[target].add(value)
        for target, ids in wanted.items():
            for obj in self._fetch(target, ids):
                self.related[target][obj.pk] = obj

    def describe(self, event: AuditEvent) -> Described:
        actor = event.actor
        who = event.actor_username or "-"
        if actor is not None and actor.first_name:
            who = f"{actor.first_name} ({event.actor_username})"
        d = Described(event=event, who=who)
        obj = self.objects.get((event.object_type, event.object_id))
        model = _models_by_name().get(event.object_type)
        if obj is not None and model is not None:  # (an object was read by its model)
            d.object_label = f"{model._meta.verbose_name} {_label(obj)}"
            d.object_url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
        elif event.object_type:
            name = model._meta.verbose_name if model is not None else event.object_type
            d.object_label = f"{name} #{event.object_id}"
        d.changes = self._changes(event, model)
        d.sentence = self._sentence(event)
        # An event that says nothing more than its action (a login) needs no sentence.
        if not d.sentence and (event.summary or (event.object_type and not d.changes)):
            d.sentence = self._generic(event, model, obj)
        return d

    @staticmethod
    def _generic(event: AuditEvent, model: type[models.Model] | None, obj: Any) -> str:
        """What an event says when no app declared how its summary reads: the act and its object,
        never the summary as code wrote it."""
        action = event.get_action_display()
        if model is None:
            return _("%(action)s.") % {"action": action}
        name = _label(obj) if obj is not None else "#" + event.object_id
        return _("%(action)s: %(what)s %(name)s.") % {"action": action, "what": model._meta.verbose_name,
                                                       "name": name}

    # -- the summary as a sentence -----------------------------------------------------------------

    def _sentence(self, event: AuditEvent) -> str:
        summary = event.summary or ""
        if event.action == AuditEvent.Action.EXPORT:
            return self._export(summary)
        if event.action == AuditEvent.Action.REVEAL:
            return _("Saw the full ID and phone number.")
        if event.action == AuditEvent.Action.IMPORT and isinstance(event.after, dict) and "rows" in event.after:
            a = event.after
            return _("Imported %(file)s: %(rows)s rows, %(created)s created, %(updated)s updated, "
                     "%(rejected)s rejected.") % {"file": a.get("filename", ""), "rows": a.get("rows", 0),
                                                  "created": a.get("created", 0), "updated": a.get("updated", 0),
                                                  "rejected": a.get("rejected", 0)}
        if event.action == AuditEvent.Action.IMPORT and isinstance(event.after, dict) and "phase" in event.after:
            a = event.after
            if a["phase"] == "interrupted":
                return _("Import of %(file)s interrupted: rows up to %(through)s written (%(created)s created, "
                         "%(updated)s updated); import the file again to complete it.") % {
                    "file": a.get("filename", ""), "through": a.get("rows_through") or "-",
                    "created": a.get("created", 0), "updated": a.get("updated", 0)}
            return _("Started importing %(file)s.") % {"file": a.get("filename", "")}
        repaired = repaired_event(summary)
        if repaired is not None:
            return _("Repair: put back what audit event %(event)d emptied without the user emptying it.") % {
                "event": repaired}
        cleared = cleared_fields(summary)
        if cleared:
            model = _models_by_name().get(event.object_type)
            return _("The user emptied on purpose: %(fields)s.") % {
                "fields": pgettext("list separator", ", ").join(_field_label(model, f) for f in sorted(cleared))}
        found = words.find(event.object_type, event.action, summary)
        if found is not None:
            return words.read(*found, self._lookup)
        return ""

    def _lookup(self, model_name: str, pk: int) -> str:
        """An id in a summary written by code -> 王小宝 (富通小区 9-2-502)."""
        model = _models_by_name().get(model_name)
        if model is None:
            return f"#{pk}"
        key = (model, pk)
        if key not in self.references:
            self.references[key] = self.objects.get((model_name, str(pk))) or next(
                iter(self._fetch(model, [pk])), None)
        obj = self.references[key]
        return _label(obj) if obj is not None else f"#{pk}"

    def _export(self, summary: str) -> str:
        m = _EXPORT.match(summary)
        if m is None:
            return ""
        found = words.find_list(m["what"])
        what = words.read(*found, self._lookup) if found is not None else _("a list")
        rows = int(m["rows"])
        if m["masked"] == "unmasked":
            numbers = _("with full numbers")
        elif m["masked"] == "masked":
            numbers = _("numbers masked")
        else:
            numbers = ""
        filters = self._filters(m["query"] or "")
        if (m["unit"] or "").startswith("card"):
            text = _("Printed %(what)s: %(rows)d cards") % {"what": what, "rows": rows}
        else:
            text = _("Exported %(what)s: %(rows)d rows") % {"what": what, "rows": rows}
        detail = m["detail"] or ""
        if detail:
            shown = words.find_list(detail)
            text += pgettext("clause separator", ", ") + (
                words.read(*shown, self._lookup) if shown is not None else detail)
        if numbers:
            text += pgettext("clause separator", ", ") + numbers
        if filters:
            text += pgettext("clause separator", ", ") + _("filtered by %(filters)s") % {"filters": filters}
        return text + pgettext("end of sentence", ".")

    def _filters(self, query: str) -> str:
        person = _models_by_name().get("person")
        parts = []
        for key, values in QueryDict(query).lists():
            value = ", ".join(v for v in values if v)
            if key in _NOT_FILTERS or not value:
                continue
            label, shown = key, value
            declared = words.read_filter(key, value, self._lookup)
            if declared is not None:
                label, shown = declared
            elif key in ("grid", "compound"):
                target = _models_by_name().get(key)
                obj = target._default_manager.filter(pk=value).first() if target and value.isdigit() else None
                label = str(target._meta.verbose_name) if target else key
                shown = str(obj) if obj is not None else value
            elif key == "tag":
                tag_model = _models_by_name().get("persontag")
                label, shown = _choice(tag_model, "tag", value)
            elif key == "residency" and person is not None:
                label, shown = _choice(person, "residency", value)
            elif key == "detail":
                label = _("tag details")
            parts.append(f"{label} = {shown}")
        return pgettext("list separator", ", ").join(parts)

    # -- before and after ----------------------------------------------------------------------------

    def _changes(self, event: AuditEvent, model: type[models.Model] | None) -> list[Change]:
        before = event.before if isinstance(event.before, dict) else {}
        after = event.after if isinstance(event.after, dict) else {}
        if event.action == AuditEvent.Action.IMPORT:
            return []
        keys = list(after) + [k for k in before if k not in after]
        rows = []
        for key in keys:
            if event.action == AuditEvent.Action.CREATE and _blank(after.get(key)):
                continue  # a new record: what it was created with, not its empty fields
            declared = words.snapshot_key(model._meta.model_name or "", key) if model is not None else None
            if declared is not None and not _is_field(model, key):
                label, reader = declared
                rows.append(Change(label=str(label), before="" if event.action == AuditEvent.Action.CREATE
                                   else self._snapshot_value(reader, before.get(key)),
                                   after=self._snapshot_value(reader, after.get(key)) if key in after else ""))
                continue
            rows.append(Change(
                label=_field_label(model, key),
                before="" if event.action == AuditEvent.Action.CREATE else self._value(model, key, before.get(key)),
                after=self._value(model, key, after.get(key)) if key in after else "",
            ))
        return rows

    def _snapshot_value(self, reader: words.ValueReader | None, value: Any) -> str:
        if _blank(value):
            return _empty()
        return reader(str(value), self._lookup) if reader is not None else str(value)

    def _value(self, model: type[models.Model] | None, key: str, value: Any) -> str:
        if _blank(value):
            return _empty()
        target = _foreign_model(model, key)
        if target is not None and isinstance(value, int):
            obj = self.related[target].get(value)
            return _label(obj) if obj is not None else f"#{value}"
        if isinstance(value, list):
            return pgettext("list separator", ", ").join(self._item(model, key, v) for v in value)
        if model is not None:
            try:
                f = model._meta.get_field(key)
            except Exception:  # noqa: BLE001 - a snapshot key that is no field of the model
                f = None
            choices = getattr(f, "choices", None)
            if choices:
                return str(dict(choices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    def _item(self, model: type[models.Model] | None, key: str, value: Any) -> str:
        """One entry of a list value: a person's tag is stored as "chronic:胰岛素"."""
        related = _reverse_model(model, key)
        if related is not None and isinstance(value, int):  # a grid's buildings, by id
            return self._lookup(related._meta.model_name or "", value)
        text = str(value)
        if related is not None and ":" in text:
            code, _sep, note = text.partition(":")
            for f in related._meta.get_fields():
                choices = getattr(f, "choices", None)
                if choices:
                    label = str(dict(choices).get(code, code))
                    return f"{label}: {note}" if note else label
        return text


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _has_path(model: type[models.Model], path: str) -> bool:
    current: Any = model
    for part in path.split("__"):
        try:
            f = current._meta.get_field(part)
        except Exception:  # noqa: BLE001
            return False
        if not getattr(f, "many_to_one", False) or f.related_model is None:
            return False
        current = f.related_model
    return True


def _foreign_model(model: type[models.Model] | None, key: str) -> type[models.Model] | None:
    if model is None:
        return None
    try:
        f = model._meta.get_field(key)
    except Exception:  # noqa: BLE001
        return None
    return _related_model(f) if getattr(f, "many_to_one", False) and f.concrete else None


def _reverse_model(model: type[models.Model] | None, key: str) -> type[models.Model] | None:
    if model is None:
        return None
    try:
        f = model._meta.get_field(key)
    except Exception:  # noqa: BLE001
        return None
    return _related_model(f) if getattr(f, "one_to_many", False) else None


def _related_model(f: Any) -> type[models.Model] | None:
    """The model a relation leads to (a class once the apps are loaded; ``None`` for no relation)."""
    related = getattr(f, "related_model", None)
    return related if isinstance(related, type) else None


def _is_field(model: type[models.Model] | None, key: str) -> bool:
    if model is None:
        return False
    try:
        model._meta.get_field(key)
    except Exception:  # noqa: BLE001 - a snapshot key that is no field of the model
        return False
    return True


def _field_label(model: type[models.Model] | None, key: str) -> str:
    if model is not None:
        try:
            f = model._meta.get_field(key)
        except Exception:  # noqa: BLE001
            return key
        if hasattr(f, "verbose_name"):
            return str(f.verbose_name)
        related = _related_model(f)
        if related is not None:  # a reverse relation: the related objects' plural name
            return str(related._meta.verbose_name_plural)
    return key


def _choice(model: type[models.Model] | None, key: str, value: str) -> tuple[str, str]:
    if model is None:
        return key, value
    # A column with choices (the snapshots store their codes), not a relation.
    f = cast(models.Field, model._meta.get_field(key))
    return str(f.verbose_name), str(dict(f.choices or []).get(value, value))


def _label(obj: Any) -> str:
    """A person by name and address, a household or room by its address, anything else as itself."""
    household = getattr(obj, "household", None)
    room = getattr(household, "room", None) if household is not None else getattr(obj, "room", None)
    if room is not None and hasattr(room, "address"):
        compound = room.unit.building.compound.name
        return f"{obj} ({compound} {room.address})" if household is not None else f"{compound} {room.address}"
    if hasattr(obj, "address") and hasattr(obj, "unit"):
        return f"{obj.unit.building.compound.name} {obj.address}"
    return str(obj)


def _values(event: AuditEvent) -> Iterable[tuple[str, Any]]:
    for snapshot in (event.before, event.after):
        if isinstance(snapshot, dict):
            yield from snapshot.items()


def describe_events(events: Iterable[AuditEvent]) -> list[Described]:
    listed = list(events)
    reader = _Reader(listed)
    return [reader.describe(e) for e in listed]
