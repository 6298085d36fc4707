"""Writes of supplies: pasting messages (a help message opens a help request through resident
services), orders and their life cycle, refills due as orders, shops and packages, purchase marks,
runs and receipts. Keyword-only, each in one transaction with its audit event. The paste page, the
API and the CLI call these; none writes a row itself."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.alerts.services import alert_raise
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.bulkwrite import RowInserter, Table
from shequ.core.rows import ChainReader
from shequ.core.text import clean_text, normalize
from shequ.registry.models import Building, Community, Household
from shequ.services.models import Category, HelpRequest
from shequ.services.services import help_request_open
from shequ.supplies import alert_kinds, parser
from shequ.supplies.access import RISK_PLACE_COURIERS
from shequ.supplies.models import (
    FLOW,
    STEPS,
    Distribution,
    InboxMessage,
    Kind,
    Order,
    OrderItem,
    Package,
    Run,
    RunStep,
    Shop,
)
from shequ.supplies.selectors import resolve_address, staff_only_units

CREATE, UPDATE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE
MAX_ITEMS = 60
MAX_PASTE_MESSAGES = 500


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _where(household: Household | None, fallback: str = "") -> str:
    if household is None:
        return fallback or "?"
    return household.room.address


# -- the inbox -----------------------------------------------------------------------------------------
@transaction.atomic
def paste_messages(*, actor: Any, community: Community, paste: str, compound_id: int | None = None,
                   request: Any = None) -> list[InboxMessage]:
    """A pasted run of group messages, each kept in the inbox with the parser's reading and the
    household its address resolved to. A distress or help message opens a help request at once and
    alerts the secretary and staff, whether or not anyone reviews it."""
    pairs = parser.split_messages(paste)
    if not pairs:
        raise ValidationError({"paste": _("Paste at least one message.")})
    if len(pairs) > MAX_PASTE_MESSAGES:
        raise ValidationError({"paste": _("At most %(n)d messages at a time.") % {"n": MAX_PASTE_MESSAGES}})
    batch, now = uuid.uuid4(), timezone.now()
    stored = []
    for position, (sender, text) in enumerate(pairs):
        parsed = parser.parse_message(sender, text)
        household, problem = resolve_address(community.pk, parsed.address, parsed.compound, compound_id)
        message = InboxMessage.objects.create(
            community=community, batch=batch, position=position, sender=sender[:100], text=text,
            parsed=parsed.as_json(), kind=parsed.kind, urgent=parsed.urgent, household=household,
            address_problem=problem, pasted_by=_user(actor), pasted_at=now)
        if parsed.kind in (Kind.DISTRESS, Kind.HELP):
            _help_open(actor=actor, message=message, request=request)
        stored.append(message)
    audit_record(actor=actor, action=CREATE, community=community, obj=stored[0],
                 summary=f"pasted {len(stored)} messages batch={batch}", request=request)
    return stored


def _help_open(*, actor: Any, message: InboxMessage, request: Any) -> HelpRequest:
    """The message's help request, through resident services (which audits it); the alert is
    supplies' own (it says the words were written in the group), so services does not page again."""
    distress = message.kind == Kind.DISTRESS
    help_request = help_request_open(
        actor=actor, community=message.community, household=message.household, contact=message.sender,
        location="" if message.household else (message.sender or "?"),
        category=Category.PSYCHOLOGICAL if distress else Category.OTHER,
        urgency=HelpRequest.Urgency.URGENT if distress or message.urgent else HelpRequest.Urgency.NORMAL,
        distress=distress, source=HelpRequest.Source.WECHAT, text=message.text, page=False, request=request)
    message.status = InboxMessage.Status.HELP
    message.handled_at = help_request.opened_at
    message.help_request = help_request
    message.save(update_fields=["status", "handled_at", "help_request"])
    kind = alert_kinds.DISTRESS if message.kind == Kind.DISTRESS else alert_kinds.HELP
    grid = message.household.room.unit.building.grid_id if message.household else None
    alert_raise(community_id=message.community_id, kind=kind,
                params={"where": _where(message.household, message.sender), "text": message.text[:200],
                        "help_request": help_request.pk},
                url=reverse("services:request", args=[help_request.pk]), grids=[grid] if grid else [])
    return help_request


@transaction.atomic
def message_set_aside(*, actor: Any, message: InboxMessage, request: Any = None) -> InboxMessage:
    """Handled without an order (thanks, a question answered in the group). Once only."""
    message = InboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != InboxMessage.Status.OPEN:
        return message
    message.status, message.handled_by, message.handled_at = InboxMessage.Status.SET_ASIDE, _user(actor), timezone.now()
    message.save(update_fields=["status", "handled_by", "handled_at"])
    audit_record(actor=actor, action=UPDATE, community=message.community, obj=message, summary="set aside",
                 request=request)
    return message


@transaction.atomic
def message_confirm(*, actor: Any, message: InboxMessage, household: Household, kind: str, urgent: bool,
                    items: Sequence[dict[str, Any]], note: str = "", request: Any = None) -> Order:
    """The reviewed reading of a message becomes an order. Confirming it again gives the same order."""
    message = InboxMessage.objects.select_for_update().get(pk=message.pk)
    existing = Order.objects.filter(message=message).first()
    if existing is not None:
        return existing
    if message.status not in (InboxMessage.Status.OPEN, InboxMessage.Status.HELP):
        raise ValidationError(_("This message has been handled already."))
    order = order_create(actor=actor, household=household, kind=kind, urgent=urgent, items=items,
                         source=Order.Source.GROUP, note=note or message.text, message=message, request=request)
    order = order_advance(actor=actor, order=order, to=Order.Status.CONFIRMED, request=request)
    if message.status == InboxMessage.Status.OPEN:
        message.status = InboxMessage.Status.ORDERED
    message.household, message.handled_by, message.handled_at = household, _user(actor), timezone.now()
    message.save(update_fields=["status", "household", "handled_by", "handled_at"])
    return order


# -- orders --------------------------------------------------------------------------------------------
def _quantity(value: Any, index: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        q = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({"items": _("Item %(n)d: the quantity %(value)s is not a number.")
                               % {"n": index + 1, "value": value}}) from None
    if not q.is_finite() or q <= 0 or q >= Decimal("100000000"):
        raise ValidationError({"items": _("Item %(n)d: the quantity must be more than 0.") % {"n": index + 1}})
    return q.quantize(Decimal("0.01"))


def _package_for(offered: list[Package], name: str) -> Package | None:
    """The package an item names: its name, or the end of it ("套餐B" for 蔬菜套餐B) when only one fits."""
    exact = [p for p in offered if p.name == name]
    if exact:
        return exact[0]
    ending = [p for p in offered if p.name.endswith(name) and len(name) >= 2]
    return ending[0] if len(ending) == 1 else None


# The community's packages on offer, in one prepared statement (core/rows.py; bench/supplies.py, order
# intake: the ORM's query for them took two fifths of the service's time).
_OFFERED = ChainReader([(Package, None, None)], "t0.community_id = %s AND t0.active = %s")


def _items(community_id: int, items: Sequence[dict[str, Any]], kind: str) -> list[OrderItem]:
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": _("At most %(n)d items in one order.") % {"n": MAX_ITEMS}})
    built = []
    offered: list[Package] | None = None  # read once per order, when an item has a name
    for index, raw in enumerate(items):
        name = normalize(raw.get("name"))[:100]
        if not name:
            continue
        if offered is None:
            offered = _OFFERED.all([community_id, True])
        package = _package_for(offered, name)
        quantity = _quantity(raw.get("quantity"), index)
        shop_id = raw.get("shop_id") or (package.shop_id if package else None)
        if shop_id is not None and not Shop.objects.filter(pk=shop_id, community_id=community_id).exists():
            raise ValidationError({"items": _("Item %(n)d: no such shop.") % {"n": index + 1}})
        built.append(OrderItem(community_id=community_id, name=package.name if package else name, quantity=quantity,
                               unit=normalize(raw.get("unit"))[:10] or ("份" if package and quantity else ""),
                               package=package, shop_id=shop_id))
    if not built and kind in (Kind.ORDER, Kind.MEDICINE):
        raise ValidationError({"items": _("An order of goods or medicine needs at least one item.")})
    return built


def _amount(items: Iterable[OrderItem]) -> Decimal | None:
    """The price of the packages ordered; goods bought by weight are priced at the shop (None)."""
    total, priced = Decimal(0), True
    for item in items:
        if item.package is not None and item.package.price:
            total += item.package.price * (item.quantity or 1)
        else:
            priced = False
    return total if priced and total else None


def order_create(*, actor: Any, household: Household, kind: str, urgent: bool, items: Sequence[dict[str, Any]],
                 source: str, note: str = "", client_id: uuid.UUID | None = None, message: InboxMessage | None = None,
                 payment: str = "", request: Any = None) -> Order:
    """A household's order, received (``order_take``, without saying whether it is new)."""
    return order_take(actor=actor, household=household, kind=kind, urgent=urgent, items=items, source=source,
                      note=note, client_id=client_id, message=message, payment=payment, request=request)[0]


_ORDER_INSERT = RowInserter(Order)
_ITEM_ROWS = Table(OrderItem, ("community_id", "order_id", "name", "quantity", "unit", "package_id", "shop_id"))


def _earlier_order(client_id: uuid.UUID | None, household: Household) -> Order | None:
    if client_id is None:
        return None
    earlier = Order.objects.filter(client_id=client_id).first()
    if earlier is not None and earlier.household_id != household.pk:
        raise ValidationError({"client_id": _("This client id belongs to another order.")})
    return earlier


def order_take(*, actor: Any, household: Household, kind: str, urgent: bool, items: Sequence[dict[str, Any]],
               source: str, note: str = "", client_id: uuid.UUID | None = None, message: InboxMessage | None = None,
               payment: str = "", request: Any = None) -> tuple[Order, bool]:
    """A household's order, received: ``(order, True)``. The same ``client_id`` again returns the
    first order and records nothing: ``(order, False)``. An urgent one pages the staff on duty (an
    alert). The one path of the phone-order page, the resident's page, a confirmed message and
    ``POST /api/v1/supplies/orders``.

    The insert comes first and the unique client id answers a repeat (a phone's queue sends most
    orders once, so the usual path reads nothing before writing); the order, its items and its audit
    event are three prepared inserts in one transaction (core/bulkwrite.py; bench/supplies.py, order
    intake through the API: full_clean, a read of the client id and the ORM's compiled inserts took
    two thirds of the service's time). The household comes with its room, unit and building read
    (``selectors.household_for_order``, or any read with those links)."""
    try:
        if kind not in (Kind.ORDER, Kind.MEDICINE, Kind.ERRAND):
            raise ValidationError({"kind": _("An order is for goods, medicine or an errand.")})
        if household.status != Household.Status.ACTIVE:
            raise ValidationError({"household": _("This household has moved out.")})
        if source not in Order.Source.values:
            raise ValidationError({"source": _("No such source.")})
        if payment and payment not in Order.Payment.values:
            raise ValidationError({"payment": _("No such payment.")})
        built = _items(household.community_id, items, kind)
    except ValidationError:
        # A resend of an order taken before the household moved out or the packages changed.
        earlier = _earlier_order(client_id, household)
        if earlier is None:
            raise
        return earlier, False
    # Every field is given above a value its validation accepts (choices checked, the note cleaned
    # and cut to its length, the code four digits): no full_clean.
    order = Order(community_id=household.community_id, household=household, kind=kind,
                  urgent=urgent or kind == Kind.MEDICINE, source=source, note=clean_text(note)[:2000],
                  message=message, client_id=client_id, received_at=timezone.now(), created_by=_user(actor),
                  receipt_code=f"{secrets.randbelow(10000):04d}", payment=payment, amount=_amount(built))
    try:
        with transaction.atomic():
            _ORDER_INSERT.insert(order)
            _ITEM_ROWS.insert([(order.community_id, order.pk, i.name, i.quantity, i.unit, i.package_id, i.shop_id)
                               for i in built])
            audit_record(actor=actor, action=CREATE, community=household.community, obj=order,
                         summary=f"{kind} household={household.pk} items={len(built)} source={source}",
                         request=request)
            if order.urgent:
                room = household.room
                what = "、".join(i.name for i in built[:3]) or order.note[:40] or order.get_kind_display()
                alert_raise(community_id=order.community_id, kind=alert_kinds.URGENT_ORDER,
                            params={"where": room.address, "what": what, "order": order.pk},
                            url=reverse("supplies:order", args=[order.pk]),
                            grids=[room.unit.building.grid_id] if room.unit.building.grid_id else [])
    except IntegrityError:
        earlier = _earlier_order(client_id, household)  # the same call, a moment earlier
        if earlier is None:
            raise
        return earlier, False
    return order, True


@transaction.atomic
def order_advance(*, actor: Any, order: Order, to: str, request: Any = None, receipt: str = "") -> Order:
    """One step on: received -> confirmed -> purchased -> packed -> out -> delivered, each once. A step
    already taken changes nothing; skipping a step or moving a cancelled order is refused. Delivered
    needs a receipt (services order_receipt)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if to not in STEPS or to == Order.Status.RECEIVED:
        raise ValidationError(_("No such step."))
    if order.status == Order.Status.CANCELLED:
        raise ValidationError(_("This order is cancelled."))
    if FLOW.index(order.status) >= FLOW.index(to):
        return order  # taken already: once only
    before, moment = STEPS[to]
    if order.status != before:
        raise ValidationError(_("This order is %(status)s: it cannot be %(to)s yet.")
                              % {"status": order.get_status_display(), "to": Order.Status(to).label})
    if to == Order.Status.DELIVERED and not receipt:
        raise ValidationError(_("An order is delivered only when its receipt is confirmed."))
    order.status = to
    setattr(order, moment, timezone.now())
    fields = ["status", moment]
    if receipt:
        order.receipt, order.delivered_by = receipt, _user(actor)
        fields += ["receipt", "delivered_by"]
    order.save(update_fields=fields)
    audit_record(actor=actor, action=UPDATE, community=order.community, obj=order, summary=f"{before} -> {to}",
                 request=request)
    return order


@transaction.atomic
def order_cancel(*, actor: Any, order: Order, reason: str = "", request: Any = None) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == Order.Status.CANCELLED:
        return order
    if order.status == Order.Status.DELIVERED:
        raise ValidationError(_("A delivered order cannot be cancelled."))
    before = order.status
    order.status, order.cancelled_at = Order.Status.CANCELLED, timezone.now()
    order.save(update_fields=["status", "cancelled_at"])
    audit_record(actor=actor, action=UPDATE, community=order.community, obj=order,
                 summary=f"{before} -> cancelled {clean_text(reason)[:100]}".strip(), request=request)
    return order


@transaction.atomic
def order_receipt(*, actor: Any, order: Order, how: str, code: str = "", request: Any = None) -> Order:
    """The receipt that makes an order delivered: the resident's tap in their account, the short code
    they read out (it must match), or the courier's record that the resident took it in. Once only."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == Order.Status.DELIVERED:
        return order
    if how not in Order.Receipt.values:
        raise ValidationError(_("No such kind of receipt."))
    if how == Order.Receipt.CODE and normalize(code) != order.receipt_code:
        raise ValidationError({"code": _("The code does not match this order's code.")})
    if order.status != Order.Status.OUT:
        raise ValidationError(_("This order is %(status)s: it is not out for delivery.")
                              % {"status": order.get_status_display()})
    return order_advance(actor=actor, order=order, to=Order.Status.DELIVERED, receipt=how, request=request)


# A refill order's client id is derived from its care task and the day the medicine runs out: one
# order per refill, however often the button is pressed.
REFILL_ORDERS = uuid.UUID("6f1d3c2e-52b4-4b8e-9a57-0c6c1e2d9f10")


@transaction.atomic
def refill_orders_create(*, actor: Any, scope: Any, request: Any = None) -> list[Order]:
    """Refills due (resident services' care tasks whose medicine runs out within three days) become
    urgent medicine orders of the person's household, through ``order_create`` (which pages the
    staff on duty). A refill already ordered for the same run-out day makes no second order; a
    person without an active household is left for the office to arrange (not ordered)."""
    from shequ.services.selectors import refills_due

    made = []
    for task in refills_due(scope):
        person, household = task.plan.person, task.plan.person.household
        if household is None or household.status != Household.Status.ACTIVE or task.runs_out_on is None:
            continue
        client_id = uuid.uuid5(REFILL_ORDERS, f"{task.pk}:{task.runs_out_on.isoformat()}")
        if Order.objects.filter(client_id=client_id).exists():
            continue
        note = _("%(who)s: %(dose)s; runs out on %(day)s") % {
            "who": person.name, "dose": task.dose or "-", "day": task.runs_out_on.isoformat()}
        made.append(order_create(actor=actor, household=household, kind=Kind.MEDICINE, urgent=True,
                                 items=[{"name": task.medicine}], source=Order.Source.CARE, note=note,
                                 client_id=client_id, request=request))
    return made


# -- shops, packages, purchase marks -------------------------------------------------------------------
@transaction.atomic
def shop_create(*, actor: Any, community: Community, name: str, kind: str, contact: str = "", phone: str = "",
                request: Any = None) -> Shop:
    shop = Shop(community=community, name=normalize(name), kind=kind, contact=normalize(contact), phone=normalize(phone))
    shop.full_clean()
    shop.save()
    audit_record(actor=actor, action=CREATE, community=community, obj=shop, summary=f"shop {shop.name}", request=request)
    return shop


@transaction.atomic
def package_create(*, actor: Any, community: Community, name: str, contents: str, price: Decimal,
                   shop: Shop | None, request: Any = None) -> Package:
    package = Package(community=community, name=normalize(name), contents=clean_text(contents), price=price, shop=shop)
    package.full_clean()
    package.save()
    audit_record(actor=actor, action=CREATE, community=community, obj=package, summary=f"package {package.name}",
                 request=request)
    return package


@transaction.atomic
def items_mark_supply(*, actor: Any, items: Sequence[OrderItem], supply: str, substitute: str = "",
                      request: Any = None) -> int:
    """A shortage or a substitution marked on a purchase list goes back to every order behind the line."""
    if supply not in OrderItem.Supply.values:
        raise ValidationError(_("No such mark."))
    if supply == OrderItem.Supply.SUBSTITUTED and not normalize(substitute):
        raise ValidationError({"substitute": _("Say what it is replaced with.")})
    changed = 0
    for item in items:
        if item.supply == supply and item.substitute == normalize(substitute):
            continue
        item.supply, item.substitute = supply, normalize(substitute)[:100]
        item.save(update_fields=["supply", "substitute"])
        audit_record(actor=actor, action=UPDATE, community=item.community, obj=item.order,
                     summary=f"item={item.pk} {supply or 'as ordered'} {item.substitute}".strip(), request=request)
        changed += 1
    return changed


@transaction.atomic
def distribution_create(*, actor: Any, community: Community, name: str, contents: str,
                        compound_id: int | None = None, request: Any = None) -> Distribution:
    """A government supply pack for every active household of the compound (or the community): one
    free order each, confirmed and bought (the pack comes ready), to pack and deliver."""
    name = normalize(name)
    if not name:
        raise ValidationError({"name": _("Name the pack.")})
    households = Household.objects.filter(community=community, status=Household.Status.ACTIVE)
    if compound_id is not None:
        if not community.compound_set.filter(pk=compound_id).exists():
            raise ValidationError({"compound": _("This compound is not in the community.")})
        households = households.filter(room__unit__building__compound_id=compound_id)
    now = timezone.now()
    distribution = Distribution.objects.create(community=community, compound_id=compound_id, name=name,
                                               contents=clean_text(contents)[:2000], created_at=now,
                                               created_by=_user(actor))
    orders = [Order(community=community, household_id=h, kind=Kind.ORDER, source=Order.Source.GOVERNMENT,
                    distribution=distribution, payment=Order.Payment.FREE, amount=Decimal(0),
                    status=Order.Status.PURCHASED, received_at=now, confirmed_at=now, purchased_at=now,
                    created_by=_user(actor), receipt_code=f"{secrets.randbelow(10000):04d}", note=name)
              for h in households.values_list("id", flat=True).order_by("id")]
    Order.objects.bulk_create(orders, batch_size=1000)
    saved = Order.objects.filter(distribution=distribution).values_list("id", flat=True)
    OrderItem.objects.bulk_create([OrderItem(community=community, order_id=o, name=name, quantity=Decimal(1),
                                             unit="份") for o in saved], batch_size=1000)
    audit_record(actor=actor, action=CREATE, community=community, obj=distribution,
                 summary=f"government pack households={len(orders)} compound={compound_id}", request=request)
    return distribution


# -- runs ----------------------------------------------------------------------------------------------
@transaction.atomic
def run_create(*, actor: Any, community: Community, courier: Any, orders: Sequence[Order], courier_roles: set[str],
               request: Any = None) -> Run:
    """A run of packed orders, in walking order (building, unit, floor, room). Into a risk place only
    a staff member goes: a volunteer is refused."""
    orders = list(Order.objects.select_for_update().filter(pk__in=[o.pk for o in orders], community=community)
                  .select_related("household__room__unit__building"))
    if not orders:
        raise ValidationError({"orders": _("Choose at least one packed order.")})
    not_packed = [o for o in orders if o.status != Order.Status.PACKED or o.run_id is not None]
    if not_packed:
        raise ValidationError({"orders": _("Only packed orders not yet on a run go on a run: %(ids)s.")
                               % {"ids": ", ".join(f"#{o.pk}" for o in not_packed)}})
    risky = staff_only_units({o.household.room.unit_id for o in orders}, timezone.now())
    if risky and not courier_roles & RISK_PLACE_COURIERS:
        raise ValidationError({"courier": _("This run goes into a risk place (%(where)s): only staff may carry it, "
                                            "not a volunteer.") % {"where": ", ".join(sorted(
                                                {o.household.room.address for o in orders
                                                 if o.household.room.unit_id in risky}))}})
    grids = {o.household.room.unit.building.grid_id for o in orders}
    run = Run.objects.create(community=community, grid_id=grids.pop() if len(grids) == 1 else None, courier=courier,
                             into_risk_place=bool(risky), created_at=timezone.now(), created_by=_user(actor))

    def walk(o: Order) -> tuple[Any, ...]:
        room = o.household.room
        b = room.unit.building
        return (not o.urgent, b.compound_id, b.sort_key, b.number, room.unit.sort_key, room.floor, room.number)

    for position, order in enumerate(sorted(orders, key=walk)):
        order.run, order.run_position = run, position
        order.save(update_fields=["run", "run_position"])
    audit_record(actor=actor, action=CREATE, community=community, obj=run,
                 summary=f"run courier={courier.pk} orders={len(orders)} risk={bool(risky)}", request=request)
    return run


@transaction.atomic
def run_start(*, actor: Any, run: Run, request: Any = None) -> Run:
    """The courier sets off: the run's orders are out for delivery."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status != Run.Status.PLANNED:
        return run
    for order in Order.objects.filter(run=run, status=Order.Status.PACKED):
        order_advance(actor=actor, order=order, to=Order.Status.OUT, request=request)
    run.status = Run.Status.OUT
    run.save(update_fields=["status"])
    audit_record(actor=actor, action=UPDATE, community=run.community, obj=run, summary="out", request=request)
    return run


@transaction.atomic
def run_step(*, actor: Any, run: Run, building: Building, what: str, client_id: uuid.UUID,
             at: dt.datetime | None = None, request: Any = None) -> RunStep:
    """Entering or leaving a risk building, with its disinfection: recorded once per client id."""
    earlier = RunStep.objects.filter(client_id=client_id).first()
    if earlier is not None:
        return earlier
    step = RunStep.objects.create(community_id=run.community_id, run=run, building=building, what=what,
                                  at=at or timezone.now(), client_id=client_id)
    audit_record(actor=actor, action=CREATE, community=run.community, obj=run,
                 summary=f"{what} building={building.pk}", request=request)
    return step


@transaction.atomic
def order_left_at_door(*, actor: Any, order: Order, request: Any = None) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.left_at_door_at is None and order.status == Order.Status.OUT:
        order.left_at_door_at = timezone.now()
        order.save(update_fields=["left_at_door_at"])
        audit_record(actor=actor, action=UPDATE, community=order.community, obj=order, summary="left at the door",
                     request=request)
    return order


@transaction.atomic
def run_finish_if_done(*, actor: Any, run: Run, request: Any = None) -> Run:
    """The run is done when none of its orders is left out for delivery."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status == Run.Status.OUT and not Order.objects.filter(run=run, status=Order.Status.OUT).exists():
        run.status = Run.Status.DONE
        run.save(update_fields=["status"])
        audit_record(actor=actor, action=UPDATE, community=run.community, obj=run, summary="done", request=request)
    return run
