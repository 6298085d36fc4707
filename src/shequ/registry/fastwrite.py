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
    from the table's highest key, which is only safe while this transaction holds the write lock.
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
        # (column, kind, argument): kind "given" -> (index, converter or None), "now" -> None,
        # "call" -> a callable default, "const" -> a value already prepared for the database.
        self.plan: list[tuple[str, str, Any]] = []
        for f in meta.concrete_fields:
            if f.primary_key:
                continue
            convert = None if _is_plain(f) else _converter(f, connection)
            if f.attname in self.given:
                self.plan.append((f.column, "given", (self.given.index(f.attname), convert)))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.plan.append((f.column, "now", convert))
            elif f.has_default() and callable(f.default):
                self.plan.append((f.column, "call", (f.get_default, convert)))
            elif f.has_default() or f.db_default is NOT_PROVIDED:
                value = f.get_default()
                self.plan.append((f.column, "const", value if convert is None else convert(value)))
            # else: only a database default, which the database fills when the column is left out.

    def insert(self, rows: Sequence[Sequence[Any]], *, ids: bool = False) -> list[int]:
        if not rows:
            return []
        if USE_ORM:
            return self._insert_orm(rows, ids=ids)
        connection = connections[self.using]
        if not connection.in_atomic_block:
            raise RuntimeError("Table.insert() must run inside transaction.atomic()")
        now = timezone.now()
        getters = self._getters(now)
        columns = [column for column, _kind, _arg in self.plan]
        values: Iterable[tuple[Any, ...]]
        new_ids = self._reserve(connection, len(rows)) if ids else []
        if ids:
            columns.insert(0, self.pk_column)
            values = ((pk, *[get(row) for get in getters]) for pk, row in zip(new_ids, rows, strict=True))
        else:
            values = (tuple([get(row) for get in getters]) for row in rows)
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
                cursor.executemany(sql, list(values))
        return new_ids

    def _getters(self, now: dt.datetime) -> list[Callable[[Sequence[Any]], Any]]:
        getters: list[Callable[[Sequence[Any]], Any]] = []
        for _column, kind, arg in self.plan:
            if kind == "given":
                index, convert = arg
                getters.append(_given(index, convert))
            elif kind == "now":
                value = now if arg is None else arg(now)
                getters.append(lambda _row, value=value: value)
            elif kind == "call":
                default, convert = arg
                getters.append(lambda _row, d=default, c=convert: d() if c is None else c(d()))
            else:
                getters.append(lambda _row, value=arg: value)
        return getters

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


def _given(index: int, convert: Callable[[Any], Any] | None) -> Callable[[Sequence[Any]], Any]:
    if convert is None:
        return lambda row: row[index]
    return lambda row: convert(row[index])


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    prep = field.get_db_prep_save
    if isinstance(field, models.DateField | models.DateTimeField | models.TimeField):
        # Many rows share a value (the time of the batch, a birth date): convert each value once.
        cache: dict[Any, Any] = {}

        def convert_cached(value: Any) -> Any:
            if value is None:
                return None
            try:
                return cache[value]
            except KeyError:
                cache[value] = converted = prep(value, connection)
                return converted

        return convert_cached
    return lambda value: prep(value, connection)
