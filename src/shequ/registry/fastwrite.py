"""Inserting many rows of one model from plain values, without building model instances.

``bulk_create`` spends most of its time in Python preparing every value of every object
(``pre_save``, ``get_db_prep_save``, related-field checks), ten times the cost of the SQL. The roster
import writes up to a few hundred thousand rows (rooms, households, persons, residences, tags, audit
events), so it writes them here instead: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

To keep this from becoming a second description of the models that silently drifts from them, the
column list is the model's own ``_meta.concrete_fields``, read at run time:

- a column the caller gives is taken as it is when its field class stores Python values unchanged
  (``_PLAIN_FIELDS``, and foreign keys to such keys); any other field class is converted with the
  field's own ``get_db_prep_save`` (JSON, dates and datetimes, IP addresses, anything added later);
- a column the caller does not give gets what a new instance would get: ``auto_now``/``auto_now_add``
  fields the time of the insert, others ``field.get_default()`` (called per row when the default is a
  callable), fields with only a ``db_default`` are left to the database.

``tests/registry/test_fastwrite.py`` imports the same roster through this path and through
``bulk_create`` and compares every column of every table written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections, models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

# Field classes whose get_db_prep_save() returns a value of the right type unchanged on SQLite and
# PostgreSQL (a str for text, an int for integers). Exact classes: a subclass may convert.
_PLAIN_FIELDS: frozenset[type[models.Field[Any, Any]]] = frozenset({
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

# Set to True (tests only) to write through bulk_create instead: the reference the fast path is
# compared with.
USE_ORM = False


def _is_plain(field: models.Field[Any, Any]) -> bool:
    if isinstance(field, models.ForeignKey):
        return _is_plain(field.target_field)
    return type(field) in _PLAIN_FIELDS


class Table:
    """How to write one model: ``Table(Person, ("community_id", "household_id", ...))`` takes rows as
    tuples in that order (attnames, so ``household_id`` for a foreign key).

    ``insert(rows)`` writes them in one go and, with ``ids=True``, returns the new primary keys in row
    order. It must run inside a transaction (``transaction.atomic``): on SQLite the keys are chosen
    from the table's highest key in the same transaction that then writes them. SQLite has one
    writer: either nobody wrote in between, or (in WAL mode, on a snapshot that has become stale) the
    INSERT fails with "database is locked"; it never reuses a key another connection took. With the
    settings' IMMEDIATE transactions the write lock is held from BEGIN, so the second case cannot arise.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], *, using: str = "default") -> None:
        self.model = model
        self.given = tuple(given)
        self.using = using
        meta = model._meta
        pk = meta.pk
        assert pk is not None
        self.pk_column = pk.column
        by_attname = {f.attname: f for f in meta.concrete_fields}
        unknown = set(self.given) - set(by_attname) - {pk.attname}
        if unknown:
            raise ValueError(f"{meta.label} has no columns {sorted(unknown)}")
        if pk.attname in self.given:
            raise ValueError(f"{meta.label}: the primary key is chosen by insert(), not given")
        connection = connections[using]
        fields = {f.attname: f for f in meta.concrete_fields if not f.primary_key}
        # A row is written as: the given values (those whose field needs it converted), then the
        # values that are the same for every row of an insert (defaults, and the time of the insert
        # for auto_now fields), then the callable defaults, called for each row.
        self.columns = [fields[attname].column for attname in self.given]
        self.converters = [
            (i, _converter(fields[attname], connection))
            for i, attname in enumerate(self.given)
            if not _is_plain(fields[attname])
        ]
        self.constant: list[tuple[str, Callable[[dt.datetime], Any]]] = []
        self.per_row: list[tuple[str, Callable[[], Any]]] = []
        for f in fields.values():
            if f.attname in self.given:
                continue
            convert = None if _is_plain(f) else _converter(f, connection)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.constant.append((f.column, (lambda now: now) if convert is None else convert))
            elif f.has_default() and callable(f.default):
                get = f.get_default
                self.per_row.append((f.column, get if convert is None else (lambda g=get, c=convert: c(g()))))
            elif f.has_default() or f.db_default is NOT_PROVIDED:
                value = f.get_default() if convert is None else convert(f.get_default())
                self.constant.append((f.column, lambda _now, v=value: v))
            # else: only a database default, which the database fills when the column is left out.
        self.columns += [column for column, _value in self.constant]
        self.columns += [column for column, _call in self.per_row]
        self.seconds = 0.0  # spent in insert(), for the import's timings

    def insert(self, rows: Sequence[Sequence[Any]], *, ids: bool = False) -> list[int]:
        if not rows:
            return []
        if USE_ORM:
            return self._insert_orm(rows, ids=ids)
        connection = connections[self.using]
        if not connection.in_atomic_block:
            raise RuntimeError("Table.insert() must run inside transaction.atomic()")
        started = time.perf_counter()
        now = timezone.now()
        tail = tuple(value(now) for _column, value in self.constant)
        converters, per_row = self.converters, [call for _column, call in self.per_row]
        values: Iterable[Sequence[Any]] = rows
        if converters:
            values = (_converted(row, converters) for row in values)
        if per_row:
            values = ((*row, *tail, *[call() for call in per_row]) for row in values)
        elif tail:
            values = ((*row, *tail) for row in values)
        columns = self.columns
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
                cursor.executemany(sql, values)
        self.seconds += time.perf_counter() - started
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
            if connection.vendor != "sqlite":
                raise NotImplementedError(f"fast inserts on {connection.vendor}")
            # AUTOINCREMENT keys: above both the highest key in the table and the highest ever used
            # (sqlite_sequence), as SQLite would choose them. Inside the transaction that then
            # writes, so nobody else can take them in between (SQLite has one writer).
            quote = connection.ops.quote_name
            highest = f"SELECT max({quote(self.pk_column)}) FROM {quote(table)}"  # noqa: S608
            used = "SELECT seq FROM sqlite_sequence WHERE name = %s"
            cursor.execute(f"SELECT max(coalesce(({used}), 0), coalesce(({highest}), 0))", [table])
            (last,) = cursor.fetchone()
        return list(range(last + 1, last + 1 + n))

    def _insert_orm(self, rows: Sequence[Sequence[Any]], *, ids: bool) -> list[int]:
        objects = [self.model(**dict(zip(self.given, row, strict=True))) for row in rows]
        self.model._default_manager.using(self.using).bulk_create(objects)
        return [o.pk for o in objects] if ids else []


def _converted(row: Sequence[Any], converters: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    out = list(row)
    for i, convert in converters:
        out[i] = convert(out[i])
    return out


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    prep = field.get_db_prep_save
    if isinstance(field, models.JSONField):
        return lambda value: prep(value, connection)
    # Many rows share a value (the time of the batch, a birth date, the importer's address): convert
    # each distinct value once.
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
