"""Writing an import: one run over the rows, in batches of ``BATCH_ROWS`` per transaction, with
the new places, persons, residences and tags written in bulk (core/bulkwrite.py ``Table``), moves
through the registry's own bulk move (``registry.services.persons_move``) and the audit events
through the audit app's batch function (``audit.services.audit_record_many``)."""

from __future__ import annotations

import logging
import operator
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.audit.models import AuditEvent
from shequ.audit.services import BatchEvent, audit_record, audit_record_many, diff
from shequ.core.address import floor_of
from shequ.core.bulkwrite import Table

# Rows per write transaction. One transaction per batch rather than one for the whole file: SQLite has
# a single writer, and a 100,000-row import takes long enough that pages saving a form meanwhile would
from shequ.registry.importer.check import Checker, PlaceKey, _labels, _Row, _tag_snapshot
from shequ.registry.importer.match import Matcher, _merge, _persons_with_tags
from shequ.registry.importer.read import _FIELDS, RosterTable, _is_empty
from shequ.registry.importer.report import ImportResult
from shequ.registry.models import (
    Building,
    Community,
    Compound,
    Household,
    Person,
    PersonTag,
    Room,
    Unit,
)
from shequ.registry.services import (
    PERSON_DATA_FIELDS,
    apply_person_data,
    number_sort_key,
    person_field_values,
    person_moved_to,
    person_snapshot,
    person_snapshot_of,
    persons_move,
)

# run out of busy_timeout. A crash halfway leaves the first batches imported, which is harmless because
# importing the same file again only adds what is missing.
BATCH_ROWS = 2000
CLI_USERNAME = "cli"

logger = logging.getLogger(__name__)



class _RosterImport(Checker, Matcher):
    """One import run. Places, households and an index of the community's persons are loaded once,
    so that rows are matched in memory; each batch is then written with bulk queries."""

    def __init__(
        self,
        *,
        community: Community,
        table: RosterTable,
        actor: Any,
        request: Any,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.community = community
        self.progress = progress
        self.rows_read = 0
        self.table = table
        self.columns = table.columns
        # The cells _check() reads, in the order of _FIELDS; a column the file lacks reads the ""
        # that _cells() appends to every row (index -1).
        indexes = [table.columns.get(f) for f in _FIELDS]
        self._width = max(i for i in indexes if i is not None) + 1
        self._pick = operator.itemgetter(*(-1 if i is None else i for i in indexes))
        self.today = timezone.localdate()
        self.dry_run = dry_run
        self.actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        self.username = actor.get_username() if self.actor is not None else CLI_USERNAME
        self.request = request
        self.tables = _TABLES
        self.insert_seconds: dict[Table | str, float] = {}  # spent in each table's insert()
        self.result = ImportResult(filename=table.filename, headers=table.headers, dry_run=dry_run)
        # Rows of this file seen so far: a later repeat is rejected and names the earlier row.
        self.seen_ids: dict[str, int] = {}
        self.seen_names: dict[tuple[PlaceKey, str], tuple[int, bool]] = {}
        self.claimed: dict[int, int] = {}
        self._caches: dict[str, dict[str, Any]] = {
            k: {} for k in ("building", "unit", "room", "address", "tags", "normalized")
        }
        self._compound_cache: dict[str, str] = {}
        self._labels = {kind: _labels(kind) for kind in ("sex", "relation", "residency", "tag")}
        # The last row read, and what the committed batches wrote (for an interrupted import's event).
        self.last_row: int | None = None
        self.written: dict[str, Any] = {"rows_through": None, "created": 0, "updated": 0}
        self._load_places()
        self._load_persons()

    def run(self) -> ImportResult:
        started = time.perf_counter()
        if not self.dry_run:
            self._record_phase("started")
        try:
            self._read_and_write()
        except BaseException as exc:
            if not self.dry_run:
                self._record_interrupted(exc)
            raise
        self.result.rejected.sort(key=lambda r: r.row)
        if not self.dry_run:
            self._record_import()
        timings = self.result.timings
        timings["rows"] = time.perf_counter() - started - sum(v for k, v in timings.items() if k not in ("open", "load"))
        t = self.tables
        spent = self.insert_seconds
        places = sum(spent.get(table, 0.0) for table in (t.compound, t.building, t.unit, t.room, t.household))
        timings["insert"] = sum(spent.values())
        timings["places"] = timings.get("places", 0.0) - places
        timings["persons"] = timings.get("persons", 0.0) - (timings["insert"] - places) - timings.get("orm", 0.0)
        return self.result

    def _read_and_write(self) -> None:
        batch: list[_Row] = []
        for number, cells in self.table.rows:
            self.rows_read += 1
            if _is_empty(cells):
                continue
            self.result.rows += 1
            row = self._check(number, cells)
            if row is not None:
                batch.append(row)
                if len(batch) >= BATCH_ROWS:
                    self._write_committed(batch)
                    batch = []
            self.last_row = number
        if batch:
            self._write_committed(batch)
        if self.progress is not None:
            self.progress(self.rows_read)

    def _write_committed(self, batch: list[_Row]) -> None:
        self._write(batch)
        if self.progress is not None:
            self.progress(self.rows_read)
        # What is in the database now, whatever happens to the next batch.
        self.written = {"rows_through": batch[-1].number, "created": self.result.created,
                        "updated": self.result.updated}

    @contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.result.timings[phase] = self.result.timings.get(phase, 0.0) + time.perf_counter() - started

    def _record_phase(self, phase: str, summary: str = "", **facts: Any) -> None:
        """An event of the import's course, committed at once (outside the batches' transactions)."""
        audit_record(
            actor=self.actor, username=self.username, action=AuditEvent.Action.IMPORT, community=self.community,
            summary=summary or _("roster %(file)s: import started") % {"file": self.table.filename},
            after={"community": self.community.code, "filename": self.table.filename, "phase": phase, **facts},
            request=self.request,
        )

    def _record_interrupted(self, exc: BaseException) -> None:
        written = self.written
        try:
            self._record_phase(
                "interrupted",
                _("roster %(file)s: import interrupted after row %(row)s; rows up to %(through)s written "
                  "(%(created)d created, %(updated)d updated). Import the file again to complete it.") % {
                    "file": self.table.filename, "row": self.last_row or "-", "through": written["rows_through"] or "-",
                    "created": written["created"], "updated": written["updated"]},
                stopped_after_row=self.last_row, error=type(exc).__name__, **written)
        except Exception:  # the database itself may be what failed: the original error matters more
            logger.exception("could not record the interruption of roster import %s", self.table.filename)

    def _record_import(self) -> None:
        r = self.result
        counts = {
            "rows": r.rows,
            "created": r.created,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "rejected": r.rejected_rows,
            "places_created": r.places_created,
            "households_created": r.households_created,
        }
        audit_record(
            actor=self.actor,
            username=self.username,
            action=AuditEvent.Action.IMPORT,
            community=self.community,
            summary=_("roster %(file)s: %(rows)d rows, %(created)d created, %(updated)d updated, "
                      "%(rejected)d rejected") % {"file": r.filename, **counts},
            after={"community": self.community.code, "filename": r.filename, "phase": "finished", **counts},
            request=self.request,
        )

    def _room(self, key: PlaceKey) -> None:
        """Make sure the room at ``key`` exists or is about to, and its compound, building and unit:
        new ones wait in ``new_*`` for _save_places()."""
        if key in self.rooms:
            return
        compound, b, u, _r = key
        if compound not in self.compounds:
            self.compounds[compound] = None
            self.new_compounds.append(compound)
            self._compound_cache.clear()
        if (compound, b) not in self.buildings:
            self.buildings[(compound, b)] = None
            self.new_buildings.append((compound, b))
        if (compound, b, u) not in self.units:
            self.units[(compound, b, u)] = None
            self.new_units.append((compound, b, u))
        self.rooms[key] = None
        self.new_rooms.append(key)

    def _household(self, key: PlaceKey) -> None:
        if key not in self.households:
            self._room(key)
            self.households[key] = None
            self.new_households.append(key)

    def _write(self, rows: list[_Row]) -> None:
        with self._timed("match"):
            pks = [row.person_pk for row in rows if row.person_pk is not None]
            existing = _persons_with_tags(pks)
        with self._timed("places"):
            for row in rows:
                self._room(row.place)
            for row in rows:
                person = existing.get(row.person_pk) if row.person_pk is not None else None
                if person is None or self._moves(person, row):
                    self._household(row.place)
        begin = time.perf_counter()
        with transaction.atomic() if not self.dry_run else nullcontext():
            begun = time.perf_counter()
            with self._timed("places"):
                self._save_places()
            with self._timed("persons"):
                self._apply(rows, existing)
            ending = time.perf_counter()
        timings = self.result.timings
        timings["commit"] = timings.get("commit", 0.0) + (begun - begin) + (time.perf_counter() - ending)

    def _moves(self, person: Person, row: _Row) -> bool:
        return self.person_place.get(person.pk) != row.place or person.status != Person.Status.ACTIVE

    def _save_places(self) -> None:
        new = (self.new_compounds, self.new_buildings, self.new_units, self.new_rooms)
        self.result.places_created += sum(len(level) for level in new)
        self.result.households_created += len(self.new_households)
        if not self.dry_run:
            c = self.community.pk
            t = self.tables
            self._saved(self.compounds, self.new_compounds, t.compound, [(c, name) for name in self.new_compounds])
            self._saved(self.buildings, self.new_buildings, t.building, [
                (c, self.compounds[key[0]], key[1], number_sort_key(key[1])) for key in self.new_buildings
            ])
            self._saved(self.units, self.new_units, t.unit, [
                (c, self.buildings[key[:2]], key[2], number_sort_key(key[2])) for key in self.new_units
            ])
            self._saved(self.rooms, self.new_rooms, t.room, [
                (c, self.units[key[:3]], key[3], floor_of(key[3])) for key in self.new_rooms
            ])
            self._saved(self.households, self.new_households, t.household, [
                (c, self.rooms[key]) for key in self.new_households
            ])
        self.new_compounds, self.new_buildings, self.new_units, self.new_rooms = [], [], [], []
        self.new_households = []

    def _saved(self, pks: dict[Any, int | None], keys: list[Any], table: Table, rows: list[tuple[Any, ...]]) -> None:
        pks.update(zip(keys, self._insert(table, rows, ids=True), strict=True))

    @contextmanager
    def _spent(self, writer: str) -> Iterator[None]:
        """Time a bulk write done by another app's batch function as an insert (result.timings)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.insert_seconds[writer] = self.insert_seconds.get(writer, 0.0) + time.perf_counter() - started

    def _insert(self, table: Table, rows: list[tuple[Any, ...]], *, ids: bool = False) -> list[int]:
        started = time.perf_counter()
        try:
            return table.insert(rows, ids=ids)
        finally:
            self.insert_seconds[table] = self.insert_seconds.get(table, 0.0) + time.perf_counter() - started

    def _apply(self, rows: list[_Row], existing: dict[int, Person]) -> None:
        now = timezone.now()
        created: list[_Row] = []
        updated: list[tuple[Person, dict[str, Any], dict[str, Any]]] = []
        moved: list[Person] = []
        retagged: list[tuple[Person, dict[str, str]]] = []
        fields: set[str] = set()
        for row in rows:
            person = existing.get(row.person_pk) if row.person_pk is not None else None
            if person is None:
                created.append(row)
                continue
            before = person_snapshot(person)  # tags come from the prefetch: no query
            old_tags = {t.tag: t.note for t in person.tags.all()}
            apply_person_data(person, _merge(person, row.data, row.given))
            if self._moves(person, row):
                # None in a dry run, for a household not written: the move is counted, never saved.
                person_moved_to(person, self.households[row.place])  # type: ignore[arg-type]
                moved.append(person)
                self.person_place[person.pk] = row.place
            new_tags = old_tags if row.tags is None else row.tags
            after = person_snapshot(person)
            after["tags"] = _tag_snapshot(new_tags)
            b, a = diff(before, after)
            if not a:
                self.result.unchanged += 1
                continue
            person.updated_at = now
            fields.update(f for key in a for f in _SNAPSHOT_FIELDS.get(key, ()))
            updated.append((person, b, a))
            if new_tags != old_tags:
                retagged.append((person, new_tags))
        self.result.created += len(created)
        self.result.updated += len(updated)
        if self.dry_run:
            return
        self._save_persons(now, created, updated, moved, retagged, fields)

    def _save_persons(
        self,
        now: Any,
        created: list[_Row],
        updated: list[tuple[Person, dict[str, Any], dict[str, Any]]],
        moved: list[Person],
        retagged: list[tuple[Person, dict[str, str]]],
        fields: set[str],
    ) -> None:
        c = self.community.pk
        # New persons are written from their values: no Person objects (see core/bulkwrite.py).
        person_rows: list[tuple[Any, ...]] = []
        snapshots: list[dict[str, Any]] = []
        for row in created:
            household_id = self.households[row.place]
            data = row.data
            person_rows.append((c, household_id, *person_field_values(data)))
            snapshots.append(person_snapshot_of(
                name=data.name, id_number=data.id_number, phone=data.phone, sex=data.sex,
                birth_date=data.birth_date, residency=data.residency, relation=data.relation,
                status=_NEW_PERSON_STATUS, household_id=household_id, notes=data.notes,
                tags=_tag_snapshot(row.tags) if row.tags else [],
            ))
        pks = self._insert(self.tables.person, person_rows, ids=True)
        create, update = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE
        events: list[BatchEvent] = [(create, _PERSON_TYPE, str(pk), None, after)
                                    for pk, after in zip(pks, snapshots, strict=True)]
        events += [(update, _PERSON_TYPE, str(person.pk), before, after) for person, before, after in updated]
        # The registry's bulk move: residences closed and opened for the moved, opened for the new.
        with self._spent("residences"):
            persons_move(community_id=c, moved=moved, at=now, reason="registered",  # shown translated
                         registered=[(pk, person[1]) for pk, person in zip(pks, person_rows, strict=True)])
        if retagged:
            with self._timed("orm"):
                PersonTag.objects.filter(person__in=[p for p, _tags in retagged]).delete()
        self._insert(
            self.tables.tag,
            [(c, pk, tag, note) for pk, row in zip(pks, created, strict=True) for tag, note in (row.tags or {}).items()]
            + [(c, p.pk, tag, note) for p, tags in retagged for tag, note in tags.items()]
        )
        if updated:
            with self._timed("orm"):
                Person.objects.bulk_update([p for p, _b, _a in updated], sorted(fields | {"updated_at"}))
        with self._spent("events"):
            audit_record_many(actor=self.actor, username=self.username, community=self.community, events=events,
                              request=self.request)


class _Tables:
    """The tables an import writes in bulk, and the columns it gives (the rest get what a new
    instance would get: core/bulkwrite.py). Created once, when this module is imported, so that the
    bulk-write system check sees them (registry/apps.py)."""

    def __init__(self) -> None:
        self.compound = Table(Compound, ("community_id", "name"))
        self.building = Table(Building, ("community_id", "compound_id", "number", "sort_key"))
        self.unit = Table(Unit, ("community_id", "building_id", "number", "sort_key"))
        self.room = Table(Room, ("community_id", "unit_id", "number", "floor"))
        self.household = Table(Household, ("community_id", "room_id"))
        self.person = Table(Person, ("community_id", "household_id", *PERSON_DATA_FIELDS))
        self.tag = Table(PersonTag, ("community_id", "person_id", "tag", "note"))


_TABLES = _Tables()


_PERSON_TYPE = Person._meta.model_name or "person"
# What a new Person gets when no status is given (the model's default).
_NEW_PERSON_STATUS = Person._meta.get_field("status").get_default()



# person_snapshot() key -> the Person fields behind it, for bulk_update.
_SNAPSHOT_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "name_initials", "name_pinyin"),
    "id_number": ("id_number",),
    "phone": ("phone",),
    "sex": ("sex",),
    "birth_date": ("birth_date",),
    "residency": ("residency",),
    "relation": ("relation",),
    "status": ("status",),
    "household": ("household",),
    "notes": ("notes",),
}

