"""Writing new rows without the ORM's per-object machinery: one field rule, two paths.

Three hot paths leave the ORM to write: a gate passage and an audit event (one row, ``RowInserter``:
the INSERT statement is built once per process instead of compiled per call), a sampling tube (one
row inserted or locked, ``RowInserter.insert_or_lock``), and the roster import (up to a few hundred
thousand rows, ``Table``: ``executemany`` on SQLite, ``COPY`` on PostgreSQL, with primary keys
reserved beforehand; ``bulk_create`` spent ten times the SQL's cost preparing every value of every
object in Python). Both paths follow **one field rule**, taken from what ``Model.save()`` does for a
new row (``Model._save_table`` and ``SQLInsertCompiler``, Django 5.2):

- **Which columns.** ``insert_fields(model)``: every local concrete field except the
  auto-incremented primary key, which the database chooses (``Table`` reserves it beforehand).
- **Which value.** ``field.pre_save(instance, add=True)``, then ``field.get_db_prep_save()``. For an
  instance that is the field's own code (``RowInserter``). Rows given as tuples (``Table``) have no
  instance, so the rule is applied per field kind (``pre_save_kind``): an ``auto_now``/
  ``auto_now_add`` field gets what its ``pre_save`` sets (the time of the insert, taken once per
  statement), any other field of a class whose ``pre_save`` only reads the attribute gets the given
  value or, when not given, what ``Model()`` would hold (``field.get_default()``, called per row for
  a callable default; a field with only a ``db_default`` is left to the database, as ``save()``
  leaves it). ``get_db_prep_save`` is skipped only for field classes where it returns a value of the
  field's own type unchanged (``PLAIN_FIELDS``).

What neither path does is refused, at start-up, by the system check ``check_writers`` (registered in
``CoreConfig.ready``; each app names the modules that hold its writers with ``writers_in()``):
multi-table inheritance, a primary key that is not auto-incremented, generated fields, other columns
the database returns (``db_returning``), ``order_with_respect_to``, a ``save()`` override (unless the
writer states why skipping it is right: ``skips_save=``), ``pre_save``/``post_save`` receivers
(signals are never sent), a database router that sends the model's writes elsewhere, and a database
other than SQLite or PostgreSQL. ``RowInserter`` also refuses ``db_default`` (the instance would not
hold the database's value) and a conflict target that is no unique constraint; ``Table`` refuses a
field whose ``pre_save`` computes something (it needs an instance). A writer refuses the same on its
first use, so a writer the check never saw is not silently wrong either.

tests/core/test_bulkwrite.py holds every model written here to what ``save()`` writes, and
tests/registry/test_fastwrite.py holds the roster import through ``Table`` to ``bulk_create``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from importlib import import_module
from typing import Any, Generic, Literal, TypeVar

from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connection, connections, models, router
from django.db.models import signals
from django.db.models.fields import NOT_PROVIDED, AutoFieldMixin

from shequ.core.rows import column_converters, instance_from_row

M = TypeVar("M", bound=models.Model)

VENDORS = frozenset({"sqlite", "postgresql"})  # RETURNING, ON CONFLICT, COPY, the key reservation

# Field classes whose get_db_prep_save() returns a value of the field's own Python type unchanged on
# SQLite and PostgreSQL (a str for text, an int for integers). Exact classes: a subclass may convert.
PLAIN_FIELDS: frozenset[type[models.Field[Any, Any]]] = frozenset({
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.CharField,
    models.TextField,
    models.SlugField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
})

# pre_save implementations that return the instance's attribute, or, for the date and time fields
# with auto_now/auto_now_add, set it to the current time first.
_READS_ATTRIBUTE = frozenset({models.Field.pre_save})
_SETS_TIME = frozenset({models.DateField.pre_save, models.DateTimeField.pre_save, models.TimeField.pre_save})

PreSaveKind = Literal["attribute", "time", "computed"]


def insert_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The fields a new row of ``model`` is inserted with, as ``Model.save()`` chooses them for an
    instance without a primary key (generated fields are refused by the check, not left out)."""
    meta = (model._meta.concrete_model or model)._meta  # a proxy's rows are its concrete model's
    return [f for f in meta.local_concrete_fields if f is not meta.auto_field]


def pre_save_kind(field: models.Field[Any, Any]) -> PreSaveKind:
    """What ``field.pre_save(instance, add=True)`` does: return the attribute (``"attribute"``),
    set it to the current time and return that (``"time"``), or anything else (``"computed"``)."""
    method = type(field).pre_save
    if method in _SETS_TIME:
        return "time" if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) else "attribute"
    return "attribute" if method in _READS_ATTRIBUTE else "computed"


def is_plain(field: models.Field[Any, Any]) -> bool:
    """``get_db_prep_save`` returns a value of the field's own type unchanged."""
    if isinstance(field, models.ForeignKey):
        return is_plain(field.target_field)
    return type(field) in PLAIN_FIELDS


def _left_to_database(field: models.Field[Any, Any]) -> bool:
    """A new instance holds ``DatabaseDefault`` here: ``save()`` lets the database fill it in."""
    return not field.has_default() and _has_db_default(field)


def _has_db_default(field: models.Field[Any, Any]) -> bool:
    return field.db_default is not NOT_PROVIDED


class _Scratch:
    """Stands in for the instance when a date field's pre_save sets the time (it sets an attribute)."""


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.column


def model_problems(model: type[models.Model], *, skips_save: str = "") -> list[str]:
    """What neither bulk-write path can do as ``save()`` does it, in words naming the feature."""
    meta = model._meta
    label = meta.label
    if meta.swapped:
        return [f"{label} is swapped for {meta.swapped}"]
    problems = []
    concrete = meta.concrete_model
    if concrete is not None and concrete._meta.parents:
        parents = ", ".join(p._meta.label for p in concrete._meta.parents)
        problems.append(f"{label} uses multi-table inheritance (from {parents}): a new row spans several tables")
    elif len(meta.pk_fields) != 1 or not isinstance(meta.pk, AutoFieldMixin):
        problems.append(f"{label}'s primary key is not an auto-incremented field: the database must choose it")
    for f in meta.concrete_fields:
        if f.generated:
            problems.append(f"{label}.{f.name} is a generated field: its value would not be read back")
        # (A db_default makes a field db_returning too: each path says below whether it handles that.)
        elif getattr(f, "db_returning", False) and not f.primary_key and not _has_db_default(f):
            problems.append(f"{label}.{f.name} is returned by the database on insert (db_returning)")
    if meta.order_with_respect_to is not None:
        problems.append(f"{label} has order_with_respect_to: save() numbers each new row (_order)")
    if model.save is not models.Model.save and not skips_save:
        problems.append(f"{label} overrides save(), which these inserts do not call "
                        "(give skips_save= with the reason, if skipping it is right)")
    for signal, name in ((signals.pre_save, "pre_save"), (signals.post_save, "post_save")):
        if signal.has_listeners(model):
            problems.append(f"{label} has {name} receivers, which these inserts never call")
    return problems


def _database_problems(model: type[models.Model], alias: str) -> list[str]:
    problems = []
    vendor = connections[alias].vendor
    if vendor not in VENDORS:
        problems.append(f"{model._meta.label} is written to the {vendor} database {alias!r}; "
                        f"the bulk-write module knows only {', '.join(sorted(VENDORS))}")
    routed = router.db_for_write(model)
    if routed != alias:
        problems.append(f"{model._meta.label}: DATABASE_ROUTERS send its writes to {routed!r}, "
                        f"its writer writes to {alias!r}")
    return problems


# Every writer in the process, for the check; and the modules that hold them (writers_in()).
_WRITERS: weakref.WeakSet[RowInserter[Any] | Table] = weakref.WeakSet()
_MODULES: list[str] = []


def writers_in(*modules: str) -> None:
    """Call from ``AppConfig.ready()``: these modules create writers at import time; the check
    imports them (when it runs, not now) so that it sees every writer before the app serves."""
    _MODULES.extend(m for m in modules if m not in _MODULES)


def check_writers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The system check: every writer's model and database against what the module handles."""
    for module in _MODULES:
        import_module(module)
    errors: list[checks.CheckMessage] = []
    seen: set[tuple[Any, str]] = set()
    for writer in sorted(_WRITERS, key=lambda w: (w.model._meta.label, type(w).__name__)):
        for problem in writer.problems():
            if (writer.model, problem) in seen:
                continue
            seen.add((writer.model, problem))
            errors.append(checks.Error(
                problem, obj=writer.model, id="core.E001",
                hint=f"{type(writer).__name__} (core/bulkwrite.py) writes new rows as save() would, without "
                     "calling it. Write this model with save() or bulk_create(), or teach the module the "
                     "feature, with a test against save().",
            ))
    return errors


def _refuse(problems: Sequence[str]) -> None:
    if problems:
        raise ImproperlyConfigured("; ".join(problems))


class RowInserter(Generic[M]):
    """``RowInserter(Passage).insert(passage)``: what ``passage.save()`` does for a new row (one
    INSERT ... RETURNING the key), with the statement built once per process: only the query
    compiler is skipped. One statement, atomic by itself: no transaction is needed around it.

    ``RowInserter(Tube, conflict=("campaign", "code")).insert_or_lock(tube)``: the row with those
    values, inserted or the existing one, locked for the rest of the transaction (one statement,
    ``INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING *``; the no-op update takes the row lock,
    as ``select_for_update`` would). The fields must be a unique constraint of the model."""

    using = "default"

    def __init__(self, model: type[M], *, conflict: Sequence[str] = (), skips_save: str = "") -> None:
        self.model = model
        self.conflict = tuple(conflict)
        self.skips_save = skips_save
        self._built: dict[str, tuple[str, str, list[models.Field[Any, Any]], list[Any]]] = {}
        self._checked = False
        _WRITERS.add(self)

    def problems(self) -> list[str]:
        model = self.model
        problems = model_problems(model, skips_save=self.skips_save)
        problems += _database_problems(model, self.using)
        label = model._meta.label
        problems += [f"{label}.{f.name} has a db_default: the INSERT names every column and would not read "
                     "the database's value back" for f in insert_fields(model) if _has_db_default(f)]
        if self.conflict:
            try:
                fields = {model._meta.get_field(name).name for name in self.conflict}
            except FieldDoesNotExist as e:
                return [*problems, f"{label}: conflict target {self.conflict}: {e}"]
            unique = [set(c.fields) for c in model._meta.constraints
                      if isinstance(c, models.UniqueConstraint) and c.condition is None and not c.expressions]
            unique += [set(names) for names in model._meta.unique_together]
            unique += [{f.name} for f in model._meta.concrete_fields if f.unique]
            if fields not in unique:
                problems.append(f"{label}: {', '.join(self.conflict)} is not a unique constraint without a "
                                "condition, so ON CONFLICT cannot name it")
        return problems

    def _build(self) -> tuple[str, str, list[models.Field[Any, Any]], list[Any]]:
        vendor = connection.vendor
        if vendor not in self._built:
            if not self._checked:
                _refuse(self.problems())
                self._checked = True
            meta = self.model._meta
            q = connection.ops.quote_name
            fields = insert_fields(self.model)
            head = (f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608
                    f"VALUES ({', '.join(['%s'] * len(fields))})")
            insert = f"{head} RETURNING {q(meta.pk.column)}"
            upsert = ""
            if self.conflict:
                target = ", ".join(q(_column(self.model, name)) for name in self.conflict)
                touch = q(_column(self.model, self.conflict[0]))
                upsert = (f"{head} ON CONFLICT ({target}) DO UPDATE SET {touch} = EXCLUDED.{touch} "
                          f"RETURNING {', '.join(q(f.column) for f in meta.concrete_fields)}")
            self._built[vendor] = (insert, upsert, fields, column_converters(self.model) if upsert else [])
        return self._built[vendor]

    def _params(self, instance: M, fields: Sequence[models.Field[Any, Any]]) -> list[Any]:
        """The values ``save()`` would send (``SQLInsertCompiler.pre_save_val``/``prepare_value``)."""
        model = self.model
        # The receivers are looked at on every insert, as save() sends its signals on every save: one
        # connected after start-up must not be skipped silently either.
        if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
            raise ImproperlyConfigured(f"{model._meta.label} has save signal receivers, which "
                                       "RowInserter never calls: write it with save()")
        # save()'s check that no unsaved object is assigned to a foreign key (and taking the key of
        # one saved since it was assigned).
        # Django's own check before a save, missing from django-stubs.
        instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
        params = []
        for f in fields:
            value = f.pre_save(instance, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{model._meta.label}.{f.name} holds an expression ({value!r}); "
                                "RowInserter writes values only")
            params.append(f.get_db_prep_save(value, connection))
        return params

    def insert(self, instance: M) -> M:
        sql, _upsert, fields, _converters = self._build()
        params = self._params(instance, fields)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            instance.pk = cursor.fetchone()[0]
        instance._state.adding = False
        instance._state.db = connection.alias
        return instance

    def insert_or_lock(self, instance: M) -> M:
        """The row with ``instance``'s values of the conflict fields, inserted if there is none, else
        the existing one; locked for the rest of the transaction either way. Call it inside
        ``transaction.atomic``."""
        _sql, sql, fields, converters = self._build()
        if not sql:
            raise TypeError(f"RowInserter({self.model.__name__}) has no conflict target: give conflict=")
        params = self._params(instance, fields)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        found: M = instance_from_row(self.model, row, converters)
        return found


class Table:
    """How to write many new rows of one model: ``Table(Person, ("community_id", "household_id", ...))``
    takes rows as tuples in that order (attnames, so ``household_id`` for a foreign key); every other
    column gets what a new instance would get (the field rule above). A Table holds no state between
    inserts: create it once, at import time, so that the check sees it.

    ``insert(rows)`` writes them in one go and, with ``ids=True``, returns the new primary keys in row
    order. It must run inside a transaction (``transaction.atomic``): on SQLite the keys are chosen
    from the table's highest key in the same transaction that then writes them. SQLite has one
    writer: either nobody wrote in between, or (in WAL mode, on a snapshot that has become stale) the
    INSERT fails with "database is locked"; it never reuses a key another connection took. With the
    settings' IMMEDIATE transactions the write lock is held from BEGIN, so the second case cannot arise.
    Given values are taken as they are for ``PLAIN_FIELDS`` (give a str for text, an int for a number);
    any other field converts them with its own ``get_db_prep_save``.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], *, using: str = "default",
                 skips_save: str = "") -> None:
        self.model = model
        self.given = tuple(given)
        self.using = using
        self.skips_save = skips_save
        meta = model._meta
        pk = meta.pk
        assert pk is not None
        self.pk_column = pk.column
        by_attname = {f.attname: f for f in insert_fields(model)}
        unknown = set(self.given) - set(by_attname) - {pk.attname}
        if unknown:
            raise ValueError(f"{meta.label} has no columns {sorted(unknown)}")
        if pk.attname in self.given:
            raise ValueError(f"{meta.label}: the primary key is chosen by insert(), not given")
        timed = [name for name in self.given if pre_save_kind(by_attname[name]) == "time"]
        if timed:
            raise ValueError(f"{meta.label}: {', '.join(timed)} is set to the time of the insert, as save() "
                             "sets it; it cannot be given")
        self._given_fields = [by_attname[name] for name in self.given]
        self._checked = False
        _WRITERS.add(self)

    def problems(self) -> list[str]:
        problems = model_problems(self.model, skips_save=self.skips_save)
        problems += _database_problems(self.model, self.using)
        label = self.model._meta.label
        problems += [f"{label}.{f.name}'s pre_save ({type(f).__name__}) computes its value from the instance, "
                     "and Table writes rows without instances"
                     for f in insert_fields(self.model) if pre_save_kind(f) == "computed"]
        return problems

    def _plan(self) -> tuple[list[models.Field[Any, Any]], list[models.Field[Any, Any]],
                             list[models.Field[Any, Any]]]:
        """The fields not given, by where their value comes from: the time of the insert, a default
        that is the same for every row, a default called for each row. Read at each insert, so a
        field's default is the model's of the moment."""
        times, constant, per_row = [], [], []
        given = set(self.given)
        for f in insert_fields(self.model):
            if f.attname in given or _left_to_database(f):
                continue  # a field with only a db_default: the database fills it in, as for save()
            if pre_save_kind(f) == "time":
                times.append(f)
            elif f.has_default() and callable(f.default):
                per_row.append(f)
            else:
                constant.append(f)
        return times, constant, per_row

    def insert(self, rows: Sequence[Sequence[Any]], *, ids: bool = False) -> list[int]:
        if not rows:
            return []
        connection = connections[self.using]
        if not connection.in_atomic_block:
            raise RuntimeError("Table.insert() must run inside transaction.atomic()")
        if not self._checked:
            _refuse(self.problems())
            self._checked = True
        times, constant, per_row = self._plan()

        def prep(f: models.Field[Any, Any]) -> Callable[[Any], Any]:
            return (lambda value: value) if is_plain(f) else _prep(f, connection)

        # A row is: the given values (converted where the field needs it), then the values that are
        # the same for every row (the time of the insert, as each auto_now field's own pre_save sets
        # it, taken once for the statement; the constant defaults), then the callable defaults.
        scratch: Any = _Scratch()
        tail = tuple([prep(f)(f.pre_save(scratch, True)) for f in times]
                     + [prep(f)(f.get_default()) for f in constant])
        calls: list[Callable[[], Any]] = [f.get_default if is_plain(f) else _prepped(f.get_default, prep(f))
                                          for f in per_row]
        converters = [(i, _prep(f, connection)) for i, f in enumerate(self._given_fields) if not is_plain(f)]
        columns = [f.column for f in (*self._given_fields, *times, *constant, *per_row)]
        values: Iterable[Sequence[Any]] = rows
        if converters:
            values = (_converted(row, converters) for row in values)
        if calls:
            values = ((*row, *tail, *[call() for call in calls]) for row in values)
        elif tail:
            values = ((*row, *tail) for row in values)
        new_ids = self._reserve(connection, len(rows)) if ids else []
        if ids:
            columns = [self.pk_column, *columns]
            values = ((pk, *row) for pk, row in zip(new_ids, values, strict=True))
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        names = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                # Table and column names come from the model's _meta, quoted; the values are parameters.
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, values)  # type: ignore[arg-type]  # any iterable of rows
        return new_ids

    def _reserve(self, connection: Any, n: int) -> list[int]:
        """``n`` new primary keys."""
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [connection.ops.quote_name(table), self.pk_column, n],
                )
                return [pk for (pk,) in cursor.fetchall()]
            # AUTOINCREMENT keys: above both the highest key in the table and the highest ever used
            # (sqlite_sequence), as SQLite would choose them. Inside the transaction that then
            # writes, so nobody else can take them in between (SQLite has one writer).
            quote = connection.ops.quote_name
            highest = f"SELECT max({quote(self.pk_column)}) FROM {quote(table)}"  # noqa: S608
            used = "SELECT seq FROM sqlite_sequence WHERE name = %s"
            cursor.execute(f"SELECT max(coalesce(({used}), 0), coalesce(({highest}), 0))", [table])
            (last,) = cursor.fetchone()
        return list(range(last + 1, last + 1 + n))


def _converted(row: Sequence[Any], converters: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    out = list(row)
    for i, convert in converters:
        out[i] = convert(out[i])
    return out


def _prepped(get: Callable[[], Any], prep: Callable[[Any], Any]) -> Callable[[], Any]:
    return lambda: prep(get())


def _prep(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """``field.get_db_prep_save`` for one insert."""
    prep = field.get_db_prep_save
    if isinstance(field, models.JSONField):
        return lambda value: prep(value, connection)
    # Many rows share a value (the time of the batch, a birth date, the importer's address): convert
    # each distinct value once per insert.
    cache: dict[Any, Any] = {}

    def convert_cached(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            cache[value] = converted = prep(value, connection)
            return converted
        except TypeError:  # unhashable
            return prep(value, connection)

    return convert_cached


def refresh_planner_statistics(*models_: type[models.Model]) -> None:
    """PostgreSQL: ANALYZE these models' tables now, after a bulk write that changed their size by
    orders of magnitude (the demo, a round's snapshot), instead of whenever autovacuum gets round to
    it; until then the planner may cost joins over thousands of rows as if the tables were empty.
    ANALYZE samples a fixed number of rows (0.1-0.3 s at a million). Nothing to do on SQLite."""
    if connection.vendor != "postgresql" or not models_:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
