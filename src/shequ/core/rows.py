"""Reading model instances along a chain of foreign keys with one statement built once per process.

(Writing new rows the same way is core/bulkwrite.py.)

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


def column_converters(model: type[Model]) -> list[tuple[Any, list[Any]]]:
    """Per concrete column of ``model``: the column and the converters the ORM applies to it."""
    out = []
    for f in model._meta.concrete_fields:
        col = f.get_col(model._meta.db_table)
        out.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return out


def instance_from_row(model: type[Model], values: Sequence[Any], converters: Sequence[tuple[Any, list[Any]]]) -> Any:
    """A model instance from one row's values of its concrete columns, as the ORM loads it."""
    converted = []
    for value, (col, convert_all) in zip(values, converters, strict=True):
        for convert in convert_all:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in model._meta.concrete_fields], converted)


def extra_values(instance: Model) -> tuple[Any, ...]:
    """The values of a ``ChainReader``'s ``extra`` expressions, read with ``instance``."""
    return vars(instance)["_extra"]


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
                converters.append(column_converters(model))
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
        return None if row is None else self._instance(row, converters)

    def all(self, params: Sequence[Any]) -> list[Any]:
        """Every row matching ``where``, in the database's order (give an ORDER BY in ``where``)."""
        sql, converters = self._build()
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            rows = cursor.fetchall()
        return [self._instance(row, converters) for row in rows]

    def _instance(self, row: Sequence[Any], converters: Any) -> Any:
        instances: list[Any] = []
        i = 0
        for (model, _fk, _attr), model_converters in zip(self.chain, converters, strict=True):
            n = len(model_converters)
            instances.append(instance_from_row(model, row[i:i + n], model_converters))
            i += n
        for (_model, _fk, attr), parent, child in zip(self.chain[1:], instances[:-1], instances[1:], strict=True):
            setattr(parent, attr or "", child)
        if self.extra:
            instances[0]._extra = tuple(row[i:])
        return instances[0]
