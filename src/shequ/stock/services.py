"""Writes of the prevention supplies: items, stores, minimums, receipts, issues and transfers.
Keyword-only, each in one transaction with its audit event. A stock changes only through
``_change``: one conditional UPDATE, so two issues at the same moment cannot take it below zero
(the second finds too little and is refused), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.alerts.services import alert_raise
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.text import clean_text
from shequ.registry.models import Community
from shequ.stock import alert_kinds
from shequ.stock.models import Item, Movement, Stock, Store

CREATE, UPDATE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE
MAX_QUANTITY = 10_000_000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def item_create(*, actor: Any, community: Community, kind: str, name: str, unit: str, request: Any = None) -> Item:
    item = Item(community=community, kind=kind, name=clean_text(name)[:100], unit=clean_text(unit)[:10] or "个")
    item.full_clean(exclude=["community"])
    item.save()
    audit_record(actor=actor, action=CREATE, community=community, obj=item, summary=f"item {item.kind}", request=request)
    return item


@transaction.atomic
def store_create(*, actor: Any, community: Community, kind: str, name: str, request: Any = None) -> Store:
    store = Store(community=community, kind=kind, name=clean_text(name)[:100])
    store.full_clean(exclude=["community"])
    store.save()
    audit_record(actor=actor, action=CREATE, community=community, obj=store, summary=f"store {store.kind}",
                 request=request)
    return store


def _stock(item: Item, store: Store) -> Stock:
    if item.community_id != store.community_id:
        raise ValidationError({"store": _("The store is not the item's community's.")})
    stock, _created = Stock.objects.get_or_create(item=item, store=store, defaults={"community_id": item.community_id})
    return stock


@transaction.atomic
def minimum_set(*, actor: Any, item: Item, store: Store, minimum: int, request: Any = None) -> Stock:
    if minimum < 0 or minimum > MAX_QUANTITY:
        raise ValidationError({"minimum": _("The minimum is a number from 0.")})
    stock = _stock(item, store)
    before = stock.minimum
    Stock.objects.filter(pk=stock.pk).update(minimum=minimum)
    stock.refresh_from_db()
    audit_record(actor=actor, action=UPDATE, community=item.community, obj=stock, before={"minimum": before},
                 after={"minimum": minimum}, request=request)
    return stock


def _quantity(quantity: int) -> int:
    if not 0 < quantity <= MAX_QUANTITY:
        raise ValidationError({"quantity": _("Enter how many, a whole number above zero.")})
    return quantity


def _change(stock: Stock, delta: int) -> Stock:
    """Adds ``delta`` (negative: takes) in one statement that refuses to go below zero."""
    changed = Stock.objects.filter(pk=stock.pk, quantity__gte=max(0, -delta)).update(quantity=F("quantity") + delta)
    stock.refresh_from_db()
    if not changed:
        raise ValidationError({"quantity": _("Only %(n)s %(unit)s of %(item)s left at %(store)s.") % {
            "n": stock.quantity, "unit": stock.item.unit, "item": stock.item.name, "store": stock.store.name}})
    return stock


def _earlier(client_id: uuid.UUID | None) -> Movement | None:
    return None if client_id is None else Movement.objects.filter(client_id=client_id).first()


def _record(*, actor: Any, stock: Stock, kind: str, quantity: int, at: dt.datetime | None, client_id: uuid.UUID | None,
            transfer: uuid.UUID | None = None, taken_by: str = "", post: str = "", note: str = "") -> Movement:
    movement = Movement(community_id=stock.community_id, item_id=stock.item_id, store_id=stock.store_id, kind=kind,
                        quantity=quantity, at=at or timezone.now(), taken_by=clean_text(taken_by)[:60],
                        post=clean_text(post)[:100], note=clean_text(note)[:200], transfer=transfer,
                        client_id=client_id, recorded_by=_user(actor))
    movement.save()
    return movement


@transaction.atomic
def receive(*, actor: Any, item: Item, store: Store, quantity: int, note: str = "", at: dt.datetime | None = None,
            client_id: uuid.UUID | None = None, request: Any = None) -> Movement:
    """Supplies received at a store (bought, donated, sent by the street)."""
    if (earlier := _earlier(client_id)) is not None:
        return earlier
    stock = _change(_stock(item, store), _quantity(quantity))
    movement = _record(actor=actor, stock=stock, kind=Movement.Kind.RECEIPT, quantity=quantity, at=at,
                       client_id=client_id, note=note)
    audit_record(actor=actor, action=CREATE, community=item.community, obj=movement,
                 summary=f"receipt {quantity} item={item.pk} store={store.pk}", request=request)
    return movement


def _below_minimum(stock: Stock, before: int) -> None:
    if stock.quantity < stock.minimum <= before:
        alert_raise(community_id=stock.community_id, kind=alert_kinds.BELOW_MINIMUM, url=reverse("stock:sheet"),
                    params={"item": stock.item.name, "store": stock.store.name, "quantity": stock.quantity,
                            "minimum": stock.minimum})


@transaction.atomic
def issue(*, actor: Any, item: Item, store: Store, quantity: int, taken_by: str, post: str = "", note: str = "",
          at: dt.datetime | None = None, client_id: uuid.UUID | None = None, request: Any = None) -> Movement:
    """Supplies taken from a store: who took them, for which post. Refused when the store has fewer;
    crossing the minimum alerts the office."""
    if (earlier := _earlier(client_id)) is not None:
        return earlier
    if not clean_text(taken_by):
        raise ValidationError({"taken_by": _("Say who took them.")})
    stock = _change(_stock(item, store), -_quantity(quantity))
    movement = _record(actor=actor, stock=stock, kind=Movement.Kind.ISSUE, quantity=quantity, at=at,
                       client_id=client_id, taken_by=taken_by, post=post, note=note)
    audit_record(actor=actor, action=CREATE, community=item.community, obj=movement,
                 summary=f"issue {quantity} item={item.pk} store={store.pk}", request=request)
    _below_minimum(stock, stock.quantity + quantity)
    return movement


@transaction.atomic
def transfer(*, actor: Any, item: Item, source: Store, target: Store, quantity: int, note: str = "",
             at: dt.datetime | None = None, client_id: uuid.UUID | None = None, request: Any = None) -> Movement:
    """Supplies moved from one store to another (the warehouse to a gate): both sides or neither."""
    if (earlier := _earlier(client_id)) is not None:
        return earlier
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose another store to move them to.")})
    link = uuid.uuid4()
    out_stock = _change(_stock(item, source), -_quantity(quantity))
    out = _record(actor=actor, stock=out_stock, kind=Movement.Kind.TRANSFER_OUT, quantity=quantity, at=at,
                  client_id=client_id, transfer=link, note=note)
    in_stock = _change(_stock(item, target), quantity)
    _record(actor=actor, stock=in_stock, kind=Movement.Kind.TRANSFER_IN, quantity=quantity, at=at, client_id=None,
            transfer=link, note=note)
    audit_record(actor=actor, action=CREATE, community=item.community, obj=out,
                 summary=f"transfer {quantity} item={item.pk} {source.pk}->{target.pk}", request=request)
    _below_minimum(out_stock, out_stock.quantity + quantity)
    return out


def record_once(action: Any, client_id: uuid.UUID | None) -> Movement:
    """Runs a movement service; a copy with the same client id that committed meanwhile wins."""
    try:
        with transaction.atomic():
            result: Movement = action()
            return result
    except IntegrityError:
        earlier = _earlier(client_id)
        if earlier is None:
            raise
        return earlier
