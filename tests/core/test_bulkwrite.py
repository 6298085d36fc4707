"""core/bulkwrite.py writes new rows as ``save()`` writes them, and refuses what it cannot do so.

Every model written through the module is held to ``save()`` here (``RowInserter``: passages, audit
events, tubes; ``Table`` on a model with every kind of field) or, for the roster import's tables, to
``bulk_create`` in tests/registry/test_fastwrite.py; ``test_every_writer_is_held_to_save`` fails when a
new writer appears without such a test. The refusals are tested on throwaway models
(``isolate_apps``), which never get a table unless a test creates it.
"""

# ruff: noqa: DJ008 - the throwaway models are never shown
from __future__ import annotations

import datetime as dt
import gc
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models, transaction
from django.db.models import signals
from django.db.models.functions import Now
from django.test import override_settings
from django.test.utils import isolate_apps
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.audit.services import SKIPS_SAVE
from shequ.campaigns.models import Campaign, Tube
from shequ.core import bulkwrite
from shequ.core.bulkwrite import RowInserter, Table, check_writers, model_problems
from shequ.disinfection.models import Place, Round
from shequ.gates.models import Gate, Passage
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
from shequ.services.models import CarePlan, CareTask, CareVisit
from shequ.supplies.models import Order, OrderItem, Package, Shop

FROZEN = dt.datetime(2022, 4, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)


@pytest.fixture
def gate(db: Any) -> Gate:
    street = Street.objects.create(code="bulkwrite", name="批量写入测试街道")
    community = Community.objects.create(street=street, code="bulkwrite", name="批量写入社区")
    compound = Compound.objects.create(community=community, name="测试小区")
    return Gate.objects.create(community=community, compound=compound, name="东门")


def stored(model: type[models.Model], pk: Any, *leave_out: str) -> dict[str, Any]:
    """The row as the database gives it back, without its key and the named columns."""
    row = model._default_manager.filter(pk=pk).values().get()
    for column in ("id", *leave_out):
        row.pop(column)
    return row


# -- RowInserter: what save() writes -----------------------------------------------------------------
def passage(at: Gate, **values: Any) -> Passage:
    return Passage(**{
        "community_id": at.community_id, "gate": at, "recorded_at": FROZEN - dt.timedelta(minutes=3),
        "direction": "out", "temperature": Decimal("37.4"), "health_code": "yellow", "mask": False,
        "decision": "deny", "reasons": ["fever", "code_yellow"], "offline": True, "offline_decision": "allow",
    } | values)


def test_a_passage_is_stored_as_save_stores_it(gate: Gate, frozen_time: None) -> None:
    by_orm, by_inserter = passage(gate), passage(gate)
    by_orm.save()
    RowInserter(Passage).insert(by_inserter)
    assert by_inserter.pk and by_inserter.pk != by_orm.pk and not by_inserter._state.adding
    assert by_inserter._state.db == "default"
    assert stored(Passage, by_inserter.pk, "client_id") == stored(Passage, by_orm.pk, "client_id")
    assert stored(Passage, by_inserter.pk)["client_id"] == by_inserter.client_id
    assert by_inserter.received_at == FROZEN  # auto_now_add ran through the field's own pre_save


def test_an_audit_event_is_stored_as_save_stores_it(gate: Gate, frozen_time: None) -> None:
    user = get_user_model().objects.create_user("bulkwrite-auditor", password="x-pass-1234")

    def event() -> AuditEvent:
        return AuditEvent(community_id=gate.community_id, actor=user, actor_username=user.username,
                          action=AuditEvent.Action.UPDATE, object_type="gate", object_id=str(gate.pk),
                          summary="门岗改名", before={"name": "东门"}, after={"name": "东一门", "n": [1, 2]},
                          ip_address="10.0.0.9")

    by_orm, by_inserter = event(), event()
    by_orm.save()
    RowInserter(AuditEvent, skips_save=SKIPS_SAVE).insert(by_inserter)
    assert stored(AuditEvent, by_inserter.pk) == stored(AuditEvent, by_orm.pk)
    assert stored(AuditEvent, by_inserter.pk)["at"] == by_inserter.at == FROZEN


def test_a_new_tube_is_stored_as_save_stores_it_and_an_existing_one_is_found(gate: Gate, frozen_time: None) -> None:
    campaign = Campaign.objects.create(community_id=gate.community_id, name="第一轮", kind="test_round",
                                       starts_on=dt.date(2022, 4, 1))
    writer = RowInserter(Tube, conflict=("campaign", "code"))

    def tube(code: str, pooling: int = 10) -> Tube:
        return Tube(community_id=gate.community_id, campaign=campaign, code=code, pooling=pooling)

    by_orm = tube("T-1")
    by_orm.save()
    created = writer.insert_or_lock(tube("T-2"))
    assert stored(Tube, created.pk, "code") == stored(Tube, by_orm.pk, "code")
    assert {f.attname: getattr(created, f.attname) for f in Tube._meta.concrete_fields} == {
        f.attname: getattr(Tube.objects.get(pk=created.pk), f.attname) for f in Tube._meta.concrete_fields}
    again = writer.insert_or_lock(tube("T-2", pooling=5))
    assert (again.pk, again.pooling) == (created.pk, 10)  # the row that is there, not the one offered
    assert Tube.objects.filter(campaign=campaign).count() == 2


def test_a_disinfection_round_is_stored_as_save_stores_it(gate: Gate, frozen_time: None) -> None:
    place = Place.objects.create(community_id=gate.community_id, compound_id=gate.compound_id, kind="stairwell",
                                 name="1号楼楼道", target_per_day=5)
    user = get_user_model().objects.create_user("bulkwrite-property", password="x-pass-1234")

    def round_() -> Round:
        return Round(community_id=gate.community_id, compound_id=gate.compound_id, place=place, kind=Round.Kind.ROUND,
                     at=FROZEN - dt.timedelta(hours=1), agent="84消毒液", concentration="500mg/L", operator="王师傅",
                     client_id=uuid.uuid4(), recorded_by=user)

    by_orm, by_inserter = round_(), round_()
    by_orm.save()
    RowInserter(Round).insert(by_inserter)
    assert stored(Round, by_inserter.pk, "client_id") == stored(Round, by_orm.pk, "client_id")
    assert stored(Round, by_inserter.pk)["created_at"] == by_inserter.created_at == FROZEN  # auto_now_add
    assert stored(Round, by_inserter.pk)["photo"] == "" and not Round.objects.get(pk=by_inserter.pk).photo


def test_a_care_visit_is_stored_as_save_stores_it(gate: Gate, frozen_time: None) -> None:
    user = get_user_model().objects.create_user("bulkwrite-volunteer", password="x-pass-1234")
    c = gate.community_id
    building = Building.objects.create(community_id=c, compound_id=gate.compound_id, number="9")
    unit = Unit.objects.create(community_id=c, building=building, number="2")
    room = Room.objects.create(community_id=c, unit=unit, number="502", floor=5)
    household = Household.objects.create(community_id=c, room=room)
    person = Person.objects.create(community_id=c, household=household, name="独居老人")
    plan = CarePlan.objects.create(community_id=gate.community_id, person=person, assignee=user, created_at=FROZEN)
    task = CareTask.objects.create(community_id=gate.community_id, plan=plan, kind="call",
                                   starts_on=dt.date(2022, 3, 1))

    def visit(day: int) -> CareVisit:
        return CareVisit(community_id=gate.community_id, task=task, due_on=dt.date(2022, 3, day), outcome="done",
                         note="电话已接通", at=FROZEN, by=user, client_id=uuid.uuid4())

    by_orm, by_inserter = visit(1), visit(2)
    by_orm.save()
    RowInserter(CareVisit).insert(by_inserter)
    assert stored(CareVisit, by_inserter.pk, "client_id", "due_on") == stored(CareVisit, by_orm.pk, "client_id", "due_on")
    assert CareVisit.objects.get(pk=by_inserter.pk).due_on == dt.date(2022, 3, 2)


def test_a_supplies_order_and_its_items_are_stored_as_save_stores_them(gate: Gate, frozen_time: None) -> None:
    user = get_user_model().objects.create_user("bulkwrite-supplies", password="x-pass-1234")
    c = gate.community_id
    building = Building.objects.create(community_id=c, compound_id=gate.compound_id, number="9")
    unit = Unit.objects.create(community_id=c, building=building, number="2")
    room = Room.objects.create(community_id=c, unit=unit, number="502", floor=5)
    household = Household.objects.create(community_id=c, room=room)
    shop = Shop.objects.create(community_id=c, name="超市")
    package = Package.objects.create(community_id=c, name="蔬菜套餐A", price=Decimal("39.90"), shop=shop)

    def order() -> Order:
        return Order(community_id=c, household=household, kind="medicine", urgent=True, source="phone",
                     note="胰岛素\n两盒", client_id=uuid.uuid4(), received_at=FROZEN, created_by=user,
                     receipt_code="0420", payment="cash", amount=Decimal("79.80"))

    by_orm, by_inserter = order(), order()
    by_orm.save()
    RowInserter(Order).insert(by_inserter)
    assert stored(Order, by_inserter.pk, "client_id") == stored(Order, by_orm.pk, "client_id")
    given = ("community_id", "order_id", "name", "quantity", "unit", "package_id", "shop_id")
    for values in ((c, by_orm.pk, "蔬菜套餐A", Decimal("2.00"), "份", package.pk, shop.pk),
                   (c, by_orm.pk, "降压药", None, "", None, None)):
        saved = OrderItem(**dict(zip(given, values, strict=True)))
        saved.save()
        with transaction.atomic():
            Table(OrderItem, given).insert([values])
        written = OrderItem.objects.filter(order=by_orm, name=values[2]).exclude(pk=saved.pk).get()
        assert stored(OrderItem, written.pk) == stored(OrderItem, saved.pk)


def test_an_unsaved_related_object_is_refused_as_save_refuses_it(gate: Gate) -> None:
    # Passage.person may be empty: writing it without the check would lose the person silently.
    unsaved = Person(community_id=gate.community_id, name="未保存")
    with pytest.raises(ValueError, match="unsaved related object 'person'"):
        passage(gate, person=unsaved).save()
    with pytest.raises(ValueError, match="unsaved related object 'person'"):
        RowInserter(Passage).insert(passage(gate, person=unsaved))
    assert not Passage.objects.filter(gate=gate).exists()


def test_an_expression_is_refused_not_written(gate: Gate) -> None:
    with pytest.raises(TypeError, match=r"gates\.Passage\.recorded_at holds an expression"):
        RowInserter(Passage).insert(passage(gate, recorded_at=Now()))


def test_a_receiver_connected_after_start_up_is_refused_at_the_insert(gate: Gate) -> None:
    writer = RowInserter(Passage)
    writer.insert(passage(gate))  # checked at its first use: fine

    def receiver(**kwargs: Any) -> None:
        pass

    signals.post_save.connect(receiver, sender=Passage, weak=False)
    try:
        with pytest.raises(ImproperlyConfigured, match="gates.Passage has save signal receivers"):
            writer.insert(passage(gate))
        assert "gates.Passage has post_save receivers, which these inserts never call" in writer.problems()
    finally:
        signals.post_save.disconnect(receiver, sender=Passage)
    assert Passage.objects.filter(gate=gate).count() == 1


# -- Table: what save() writes, without instances ----------------------------------------------------
def test_table_writes_a_passage_as_save_does(gate: Gate, frozen_time: None) -> None:
    given = ("community_id", "gate_id", "recorded_at", "direction", "health_code", "mask", "decision")
    values = (gate.community_id, gate.pk, FROZEN - dt.timedelta(minutes=3), "in", "green", True, "deny")
    by_orm = Passage(**dict(zip(given, values, strict=True)))
    by_orm.save()
    pks = Table(Passage, given).insert([values, values], ids=True)
    rows = [stored(Passage, pk) for pk in pks]
    assert len({row.pop("client_id") for row in rows}) == 2  # a callable default is called for each row
    assert rows == [stored(Passage, by_orm.pk, "client_id")] * 2
    assert rows[0]["received_at"] == FROZEN and rows[0]["reasons"] == [] and rows[0]["offline"] is False


def test_table_refuses_columns_save_would_overwrite() -> None:
    with pytest.raises(ValueError, match="received_at is set to the time of the insert"):
        Table(Passage, ("community_id", "received_at"))


@pytest.fixture
def everything() -> Iterator[type[models.Model]]:
    """A throwaway model with every kind of column the rule distinguishes, and its table (created in
    the test's transaction, so it goes with it)."""
    with isolate_apps("shequ.core"):
        class Everything(models.Model):
            community = models.ForeignKey(Community, on_delete=models.PROTECT)
            name = models.CharField(max_length=20)
            note = models.CharField(max_length=20, default="默认")
            blank = models.TextField(blank=True)
            count = models.IntegerField(db_default=7)
            both = models.IntegerField(default=3, db_default=5)
            amount = models.DecimalField(max_digits=5, decimal_places=2, null=True)
            flag = models.BooleanField(default=True)
            token = models.UUIDField(default=uuid.uuid4)
            data = models.JSONField(default=dict)
            address = models.GenericIPAddressField(null=True)
            day = models.DateField(null=True)
            created_at = models.DateTimeField(auto_now_add=True)
            updated_at = models.DateTimeField(auto_now=True)

            class Meta:
                app_label = "core"

        editor = connection.schema_editor()
        editor.deferred_sql = []  # set by entering the editor, which SQLite refuses inside the test's transaction
        sql, params = editor.table_sql(Everything)  # the foreign keys' constraints (deferred) are not needed
        editor.execute(sql, params)  # as a migration would (PostgreSQL's DDL takes no parameters)
        yield Everything


def test_table_writes_every_kind_of_column_as_save_and_bulk_create_do(
    gate: Gate, frozen_time: None, everything: type[models.Model]
) -> None:
    given = ("community_id", "name", "amount", "data", "address", "day")
    values = (gate.community_id, "甲", Decimal("12.50"), {"k": ["v"]}, "10.0.0.9", dt.date(2022, 4, 1))
    by_save = everything(**dict(zip(given, values, strict=True)))
    by_save.save()
    by_bulk = everything(**dict(zip(given, values, strict=True)))
    everything._default_manager.bulk_create([by_bulk])
    (pk,) = Table(everything, given).insert([values], ids=True)
    expected = stored(everything, by_save.pk, "token")
    assert stored(everything, pk, "token") == expected == stored(everything, by_bulk.pk, "token")
    assert (expected["note"], expected["count"], expected["both"], expected["flag"], expected["blank"]) == (
        "默认", 7, 3, True, "")
    assert expected["created_at"] == expected["updated_at"] == FROZEN
    # The single-row path cannot read the db_default back into the instance: refused.
    assert "core.Everything.count has a db_default: the INSERT names every column and would not read the " \
           "database's value back" in RowInserter(everything).problems()
    assert Table(everything, given).problems() == []


# -- refusals -------------------------------------------------------------------------------------
@isolate_apps("shequ.core")
def test_it_refuses_model_features_it_does_not_handle_naming_model_and_feature() -> None:
    class Plain(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "core"

    class Saves(models.Model):
        class Meta:
            app_label = "core"

        def save(self, *args: Any, **kwargs: Any) -> None:
            super().save(*args, **kwargs)

    class Generated(models.Model):
        a = models.IntegerField()
        twice = models.GeneratedField(expression=models.F("a") * 2, output_field=models.IntegerField(),
                                      db_persist=True)

        class Meta:
            app_label = "core"

    class Child(Plain):
        class Meta:
            app_label = "core"

    class Keyed(models.Model):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)

        class Meta:
            app_label = "core"

    class Ordered(models.Model):
        plain = models.ForeignKey(Plain, on_delete=models.CASCADE)

        class Meta:
            app_label = "core"
            order_with_respect_to = "plain"

    class Proxy(Plain):
        class Meta:
            app_label = "core"
            proxy = True

    assert model_problems(Plain) == []
    assert model_problems(Proxy) == []
    assert model_problems(Saves) == ["core.Saves overrides save(), which these inserts do not call (give "
                                     "skips_save= with the reason, if skipping it is right)"]
    assert model_problems(Saves, skips_save="it only logs") == []
    assert model_problems(Generated) == ["core.Generated.twice is a generated field: its value would not be read back"]
    assert model_problems(Child) == ["core.Child uses multi-table inheritance (from core.Plain): a new row spans "
                                     "several tables"]
    assert model_problems(Keyed) == ["core.Keyed's primary key is not an auto-incremented field: the database "
                                     "must choose it"]
    assert model_problems(Ordered) == ["core.Ordered has order_with_respect_to: save() numbers each new row (_order)"]

    def receiver(**kwargs: Any) -> None:
        pass

    signals.pre_save.connect(receiver, sender=Plain, weak=False)
    try:
        assert model_problems(Plain) == ["core.Plain has pre_save receivers, which these inserts never call"]
    finally:
        signals.pre_save.disconnect(receiver, sender=Plain)


@isolate_apps("shequ.core")
def test_each_path_refuses_what_only_it_cannot_do() -> None:
    class Stamped(models.CharField):  # type: ignore[type-arg]
        def pre_save(self, model_instance: models.Model, add: bool) -> Any:
            return "stamped"

    class Coded(models.Model):
        campaign = models.IntegerField()
        code = models.CharField(max_length=10)
        stamp = Stamped(max_length=10)

        class Meta:
            app_label = "core"
            constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="coded_once")]

    assert RowInserter(Coded).problems() == []  # it has the instance to run pre_save on
    assert RowInserter(Coded, conflict=("campaign", "code")).problems() == []
    assert Table(Coded, ("campaign", "code")).problems() == [
        "core.Coded.stamp's pre_save (Stamped) computes its value from the instance, and Table writes rows "
        "without instances"]
    assert RowInserter(Coded, conflict=("code",)).problems() == [
        "core.Coded: code is not a unique constraint without a condition, so ON CONFLICT cannot name it"]


class _ElsewhereRouter:
    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        return "archive"


def test_it_refuses_a_database_it_does_not_know_and_a_router_that_sends_writes_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer = RowInserter(Passage)
    monkeypatch.setattr(connections["default"], "vendor", "mysql")
    assert writer.problems() == ["gates.Passage is written to the mysql database 'default'; the bulk-write "
                                 "module knows only postgresql, sqlite"]
    monkeypatch.undo()
    with override_settings(DATABASE_ROUTERS=[f"{__name__}._ElsewhereRouter"]):
        assert Table(Passage, ("community_id",)).problems() == [
            "gates.Passage: DATABASE_ROUTERS send its writes to 'archive', its writer writes to 'default'"]
    assert writer.problems() == []


@isolate_apps("shequ.core")
def test_the_system_check_names_the_model_and_the_feature() -> None:
    class Saves(models.Model):
        class Meta:
            app_label = "core"

        def save(self, *args: Any, **kwargs: Any) -> None:
            super().save(*args, **kwargs)

    writers = [RowInserter(Saves), Table(Saves, ())]
    errors = [e for e in check_writers() if e.obj is Saves]
    assert [(e.id, e.level, e.msg) for e in errors] == [
        ("core.E001", checks.ERROR, "core.Saves overrides save(), which these inserts do not call (give skips_save= "
                                    "with the reason, if skipping it is right)")]
    assert "Table (core/bulkwrite.py)" in errors[0].hint or "RowInserter (core/bulkwrite.py)" in errors[0].hint
    del writers


@isolate_apps("shequ.core")
def test_a_writer_refuses_at_its_first_use_what_the_check_refuses(db: Any) -> None:
    class Saves(models.Model):  # no table: the refusal comes before any SQL
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "core"

        def save(self, *args: Any, **kwargs: Any) -> None:
            super().save(*args, **kwargs)

    with pytest.raises(ImproperlyConfigured, match=r"core\.Saves overrides save\(\)"):
        RowInserter(Saves).insert(Saves(name="x"))
    with pytest.raises(ImproperlyConfigured, match=r"core\.Saves overrides save\(\)"):
        Table(Saves, ("name",)).insert([("x",)])


def test_the_project_passes_the_check() -> None:
    assert [e for e in checks.run_checks() if e.level >= checks.ERROR] == []


# Every (path, model) the project writes through the module, and the test that holds it to the ORM.
HELD_TO_SAVE: dict[tuple[str, type[models.Model]], str] = {
    ("RowInserter", Passage): "test_a_passage_is_stored_as_save_stores_it",
    ("RowInserter", AuditEvent): "test_an_audit_event_is_stored_as_save_stores_it",
    ("RowInserter", Tube): "test_a_new_tube_is_stored_as_save_stores_it_and_an_existing_one_is_found",
    ("RowInserter", Round): "test_a_disinfection_round_is_stored_as_save_stores_it",
    ("RowInserter", CareVisit): "test_a_care_visit_is_stored_as_save_stores_it",
    ("RowInserter", Order): "test_a_supplies_order_and_its_items_are_stored_as_save_stores_them",
    ("Table", OrderItem): "test_a_supplies_order_and_its_items_are_stored_as_save_stores_them",
    **{("Table", model): "tests/registry/test_fastwrite.py (the roster import, against bulk_create)"
       for model in (Compound, Building, Unit, Room, Household, Person, Residence, PersonTag, AuditEvent)},
}


def test_every_writer_is_held_to_save() -> None:
    check_writers()  # imports the modules the apps name (writers_in), which create the writers
    gc.collect()  # writers of other tests' throwaway models and tables
    installed = set(apps.get_models())
    written = {(type(w).__name__, w.model) for w in bulkwrite._WRITERS if w.model in installed}
    assert written == set(HELD_TO_SAVE)
