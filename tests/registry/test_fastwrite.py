"""The roster import's bulk write path (core/bulkwrite.py ``Table``) writes exactly what bulk_create writes.

The same imports run twice, once through ``Table.insert`` (executemany / COPY) and once with
``Table.insert`` replaced by ``bulk_create`` of model instances (the reference, defined here), at a
frozen time; every column of every table the import touches must come out the same. Keys differ
between the two runs, so rows are compared with every key replaced by the position of the row it
points to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.test import RequestFactory
from django.utils import timezone
from import_files import HEADERS, LI, WANG, ZHANG, ZHAO, make_community, row, xlsx

from shequ.audit.models import AuditEvent
from shequ.core.bulkwrite import Table
from shequ.registry.importer import import_roster
from shequ.registry.models import (
    Building,
    Community,
    Compound,
    Household,
    Person,
    PersonTag,
    Residence,
    Room,
    Street,
    Unit,
)

pytestmark = pytest.mark.django_db

MODELS: list[type[models.Model]] = [Compound, Building, Unit, Room, Household, Person, Residence, PersonTag, AuditEvent]
FROZEN = dt.datetime(2022, 4, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)


def first_file(tmp_path: Path) -> Path:
    return xlsx(tmp_path / "first.xlsx", [
        HEADERS,
        row(1, "张三", ZHANG, "13800138000", relation="户主", tags="独居老人、慢性病:胰岛素 每日两次", note="行动不便"),
        row(2, "李四", LI, "138 0013 8001", relation="配偶", residency="租住"),
        row(3, "王五", "", "", building="10栋", unit="一单元", room="101室"),  # no ID number
        row(4, "赵六", ZHAO, "", compound="和平里", building=3, unit=1, room=201, tags="低保"),
        row(5, "坏行", "12345", ""),  # rejected
    ])


def second_file(tmp_path: Path) -> Path:
    return xlsx(tmp_path / "second.xlsx", [
        HEADERS,
        row(1, "张三", ZHANG, "13900139000", relation="户主", tags="独居老人"),  # phone and tags change
        row(2, "李四", LI, "13800138001", relation="配偶", residency="租住"),  # unchanged
        row(3, "王五", "", "", building="10栋", unit="一单元", room="101室", note="新备注"),  # note changes
        row(4, "赵六", ZHAO, "", compound="新小区", building=1, unit=1, room=101),  # moves to a new compound
        row(5, "钱七", WANG, "13700137000", building="9号楼", unit=2, room="502"),  # new person, old room
    ])


def import_twice(tmp_path: Path, community: Community) -> None:
    user = get_user_model().objects.create_user("fastwrite-tester", password="x-pass-1234")
    request = RequestFactory().post("/import", REMOTE_ADDR="10.0.0.9")
    import_roster(community=community, path_or_file=first_file(tmp_path), actor=user, request=request)
    import_roster(community=community, path_or_file=second_file(tmp_path), actor=None)


def table_rows(community: Community) -> dict[str, list[dict[str, Any]]]:
    """Every column of every row the import wrote in ``community``, keys replaced by positions."""
    position: dict[type[models.Model], dict[Any, int]] = {}
    rows: dict[type[models.Model], list[dict[str, Any]]] = {}
    for model in MODELS:
        objects = list(model._default_manager.filter(community=community).order_by("pk").values())
        position[model] = {o["id"]: i for i, o in enumerate(objects)}
        rows[model] = objects
    users = get_user_model()
    out: dict[str, list[dict[str, Any]]] = {}
    for model, objects in rows.items():
        for o in objects:
            o.pop("id")
            for f in model._meta.concrete_fields:
                target = getattr(f, "related_model", None)
                if target is users and o[f.attname] is not None:
                    o[f.attname] = users.objects.get(pk=o[f.attname]).username
                elif target in position and o[f.attname] is not None:
                    o[f.attname] = (target.__name__, position[target][o[f.attname]])
            if model is AuditEvent:
                if o["object_type"] == "person":
                    o["object_id"] = position[Person][int(o["object_id"])]
                for side in ("before", "after"):
                    if o[side] and o[side].get("household") is not None:
                        o[side]["household"] = position[Household][o[side]["household"]]
        out[model.__name__] = objects
    return out


def insert_by_bulk_create(self: Table, rows: Any, *, ids: bool = False) -> list[int]:
    """What Table.insert stands for: new instances from the given values, written by bulk_create."""
    objects = [self.model(**dict(zip(self.given, row, strict=True))) for row in rows]
    self.model._default_manager.using(self.using).bulk_create(objects)
    return [o.pk for o in objects] if ids else []


def rows_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], dict[str, Any]]:
    community = make_community("fastwrite")
    results = []
    for by_orm in (False, True):
        if by_orm:
            monkeypatch.setattr(Table, "insert", insert_by_bulk_create)
        savepoint = transaction.savepoint()
        import_twice(tmp_path, community)
        results.append(table_rows(community))
        transaction.savepoint_rollback(savepoint)
    return results[0], results[1]


def test_the_fast_path_writes_what_bulk_create_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_time: None
) -> None:
    fast, orm = rows_both_ways(tmp_path, monkeypatch)
    # Every table has rows (nothing compared empty to empty), both creates and changes are there.
    assert {name: len(rows) for name, rows in fast.items()} == {
        "Compound": 3, "Building": 4, "Unit": 4, "Room": 4, "Household": 4, "Person": 5, "Residence": 6,
        "PersonTag": 2, "AuditEvent": 12,  # each of the two imports: started, its persons, finished
    }
    assert sorted({e["action"] for e in fast["AuditEvent"]}) == ["create", "import", "update"]
    for name in fast:
        assert fast[name] == orm[name], name
    # The values themselves, as the database gives them back.
    zhang = fast["Person"][0]
    assert (zhang["name"], zhang["name_initials"], zhang["status"], zhang["created_at"]) == ("张三", "zs", "active", FROZEN)
    created = next(e for e in fast["AuditEvent"] if e["action"] == "create")
    assert (created["actor_id"], created["ip_address"], created["at"], created["summary"]) == (
        "fastwrite-tester", "10.0.0.9", FROZEN, ""
    )
    assert created["after"]["birth_date"] == "1950-03-04"


@pytest.fixture
def new_defaults(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if someone gave fields the import does not set a default: a value and a callable."""
    fields = [Household._meta.get_field("note"), AuditEvent._meta.get_field("summary")]
    for field in fields:
        field.__dict__.pop("_get_default", None)
    monkeypatch.setattr(fields[0], "default", "默认备注")
    counter = iter(range(1000))
    monkeypatch.setattr(fields[1], "default", lambda: f"summary {next(counter)}")
    for field in fields:
        field.__dict__.pop("_get_default", None)
    yield
    monkeypatch.undo()
    for field in fields:
        field.__dict__.pop("_get_default", None)


def test_a_new_default_is_written_as_bulk_create_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_time: None, new_defaults: None
) -> None:
    fast, orm = rows_both_ways(tmp_path, monkeypatch)
    assert {h["note"] for h in fast["Household"]} == {"默认备注"}
    summaries = [e["summary"] for e in fast["AuditEvent"] if e["action"] != "import"]
    assert summaries and all(s.startswith("summary ") for s in summaries)
    assert len(set(summaries)) == len(summaries)  # a callable default is called for each row
    for name in fast:
        if name == "AuditEvent":
            # The counter runs on between the two imports; compare the rest.
            for e in fast[name] + orm[name]:
                e["summary"] = e["summary"].startswith("summary ") or e["summary"]
        assert fast[name] == orm[name], name


def test_keys_are_never_reused(db: Any) -> None:
    # SQLite's AUTOINCREMENT never hands out a deleted row's key again; neither does Table.
    table = Table(Street, ("code", "name"))
    with transaction.atomic():
        first = table.insert([("fw-a", "甲"), ("fw-b", "乙")], ids=True)
    assert [s.code for s in Street.objects.filter(pk__in=first).order_by("pk")] == ["fw-a", "fw-b"]
    Street.objects.filter(pk=first[1]).delete()
    with transaction.atomic():
        (again,) = table.insert([("fw-c", "丙")], ids=True)
    assert again > first[1]
    assert Street.objects.get(pk=again).code == "fw-c"
    assert Street.objects.create(code="fw-d", name="丁").pk > again


def test_it_refuses_columns_the_model_does_not_have() -> None:
    with pytest.raises(ValueError, match="no columns"):
        Table(Street, ("code", "colour"))
    with pytest.raises(ValueError, match="primary key"):
        Table(Street, ("id", "code"))


def test_insert_needs_a_transaction(db: Any) -> None:
    fastwrite_table = Table(Street, ("code", "name"))
    from django.db import connection

    atomic = connection.in_atomic_block
    try:
        connection.in_atomic_block = False
        with pytest.raises(RuntimeError, match="atomic"):
            fastwrite_table.insert([("fw-x", "x")])
    finally:
        connection.in_atomic_block = atomic
    assert not Street.objects.filter(code="fw-x").exists()
