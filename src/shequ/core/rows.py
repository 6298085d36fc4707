"""Reading model instances along a chain of foreign keys with one statement built once per process.

What ``Model.objects.select_related("a__b__c").filter(...)`` loads, for the few reads that run on
every gate passage or sampling scan, where compiling the ORM query costs several times more than
running it. The statement is built from the models' metadata (every concrete column, so the
instances are complete, and the same converters the ORM applies per column), never by hand, so it
follows the models when they change; tests compare what it returns with the ORM's own query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

Link = tuple[type[Model], str | None, str | None]  # (model, its foreign key in the previous model, attribute)


def _converters(model: type[Model]) -> list[tuple[Any, list[Any]]]:
    """Per concrete column of ``model``: the column and the converters the ORM applies to it."""
    out = []
    for f in model._meta.concrete_fields:
        col = f.get_col(model._meta.db_table)
        out.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return out


def _instance(model: type[Model], values: Sequence[Any], converters: Sequence[tuple[Any, list[Any]]]) -> Any:
    """A model instance from one row's values of its concrete columns, as the ORM loads it."""
    converted = []
    for value, (col, convert_all) in zip(values, converters, strict=True):
        for convert in convert_all:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in model._meta.concrete_fields], converted)


class ChainReader:
    """``ChainReader([(Pass, None, None), (Person, "person_id", "person"), ...], "t0.code = %s")``:
    the first model's rows matching ``where`` (aliases t0, t1, ... in chain order), each with the
    next model attached under its attribute."""

    def __init__(self, chain: Sequence[Link], where: str, extra: Sequence[str] = ()) -> None:
        """``extra``: more expressions for the select list (they may name the aliases); their
        values come back as ``instance._extra``, and their parameters go before ``where``'s."""
        self.chain = tuple(chain)
        self.where = where
        self.extra = tuple(extra)
        self._built: dict[str, tuple[str, list[Any]]] = {}

    def _build(self) -> tuple[str, list[Any]]:
        vendor = connection.vendor
        if vendor not in self._built:
            columns, joins, converters = [], [], []
            for i, (model, fk, _attr) in enumerate(self.chain):
                columns += [f"t{i}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields]
                converters.append(_converters(model))
                if i:
                    joins.append(f"INNER JOIN {connection.ops.quote_name(model._meta.db_table)} t{i} "
                                 f"ON t{i}.id = t{i - 1}.{connection.ops.quote_name(fk or '')}")
            columns += self.extra
            head = connection.ops.quote_name(self.chain[0][0]._meta.db_table)
            # Names come from the models; values are parameters of ``where``.
            sql = f"SELECT {', '.join(columns)} FROM {head} t0 {' '.join(joins)} WHERE {self.where}"  # noqa: S608
            self._built[vendor] = (sql, converters)
        return self._built[vendor]

    def first(self, params: Sequence[Any]) -> Any | None:
        sql, converters = self._build()
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            row = cursor.fetchone()
        if row is None:
            return None
        instances: list[Any] = []
        i = 0
        for (model, _fk, _attr), model_converters in zip(self.chain, converters, strict=True):
            n = len(model_converters)
            instances.append(_instance(model, row[i:i + n], model_converters))
            i += n
        for (_model, _fk, attr), parent, child in zip(self.chain[1:], instances[:-1], instances[1:], strict=True):
            setattr(parent, attr or "", child)
        if self.extra:
            instances[0]._extra = tuple(row[i:])
        return instances[0]


class RowInserter:
    """``RowInserter(Passage).insert(passage)``: what ``passage.save()`` does for a new row, with the
    INSERT statement built once per process. Every value still goes through the field's own
    ``pre_save`` and ``get_db_prep_save``, as in ``Model.save``; only the query compiler is skipped.
    Where a model has ``pre_save``/``post_save`` receivers it falls back to ``save()``, so no signal
    is ever missed. One statement, atomic by itself: no transaction is needed around it."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self._built: dict[str, tuple[str, list[Any]]] = {}

    def _build(self) -> tuple[str, list[Any]]:
        vendor = connection.vendor
        if vendor not in self._built:
            meta = self.model._meta
            q = connection.ops.quote_name
            fields = [f for f in meta.concrete_fields if f is not meta.pk]
            sql = (f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608
                   f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {q(meta.pk.column)}")
            self._built[vendor] = (sql, fields)
        return self._built[vendor]

    def has_receivers(self) -> bool:
        from django.db.models import signals

        return signals.pre_save.has_listeners(self.model) or signals.post_save.has_listeners(self.model)

    def _statement(self, instance: Model) -> tuple[str, list[Any]]:
        """The INSERT ... RETURNING pk and its parameters."""
        sql, fields = self._build()
        return sql, [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]

    def insert_or_lock(self, instance: Model, unique: Sequence[str]) -> Model:
        """The row with ``instance``'s values of the ``unique`` fields: inserted if there is none,
        else the existing one, locked for the rest of the transaction either way; one statement
        (``INSERT ... ON CONFLICT (unique) DO UPDATE ... RETURNING``: the no-op update takes the
        row lock, as ``select_for_update`` would). Call it inside ``transaction.atomic``. Nothing is
        sent to signal receivers; the caller's model must have none (checked)."""
        if self.has_receivers():
            raise RuntimeError(f"{self.model.__name__} has save signal receivers; use get_or_create")
        sql, params = self._statement(instance)
        meta = self.model._meta
        q = connection.ops.quote_name
        fields = meta.concrete_fields
        conflict = ", ".join(q(meta.get_field(name).column) for name in unique)
        touch = q(meta.get_field(unique[0]).column)
        sql = sql[: sql.rindex(" RETURNING ")] + (
            f" ON CONFLICT ({conflict}) DO UPDATE SET {touch} = EXCLUDED.{touch} "
            f"RETURNING {', '.join(q(f.column) for f in fields)}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return _instance(self.model, row, _converters(self.model))

    def insert(self, instance: Model) -> Model:
        if self.has_receivers():
            instance.save(force_insert=True)
            return instance
        sql, params = self._statement(instance)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            instance.pk = cursor.fetchone()[0]
        instance._state.adding = False
        instance._state.db = connection.alias
        return instance


def refresh_planner_statistics(*models: type[Model]) -> None:
    """PostgreSQL: ANALYZE these models' tables now, after a bulk write that changed their size by
    orders of magnitude (the demo, a round's snapshot), instead of whenever autovacuum gets round to
    it; until then the planner may cost joins over thousands of rows as if the tables were empty.
    ANALYZE samples a fixed number of rows (0.1-0.3 s at a million). Nothing to do on SQLite."""
    if connection.vendor != "postgresql" or not models:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
