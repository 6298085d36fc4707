"""Supplies for sealed households (保供): the inbox of pasted group messages, orders and their items,
shops and packages, purchase marks, delivery runs (help requests are resident services': shequ.services).

Every row carries ``community`` (copied from its household or parent by the services). An order's
life cycle (``Order.Status``) moves forward one step at a time, each step once, with its moment
kept (``received_at`` ... ``delivered_at``): the services are the only writers.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Shop(models.Model):
    """A supermarket or pharmacy the community buys from, with its contact."""

    class Kind(models.TextChoices):
        SUPERMARKET = "supermarket", _("supermarket")
        PHARMACY = "pharmacy", _("pharmacy")
        OTHER = "other", pgettext_lazy("shop", "other")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SUPERMARKET)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["community_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="shop_unique_name")]

    def __str__(self) -> str:
        return self.name


class Package(models.Model):
    """A set package a shop offers (蔬菜套餐A): its contents and price."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    contents = models.TextField(_("contents"), blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="packages",
                             verbose_name=_("shop"))
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="package_unique_name")]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    """What a message or an order asks for (parser.Kind has the same codes)."""

    ORDER = "order", _("goods")
    MEDICINE = "medicine", _("medicine")
    ERRAND = "errand", _("errand")
    HELP = "help", _("help")
    DISTRESS = "distress", _("distress")
    OTHER = "other", pgettext_lazy("message", "other")


class InboxMessage(models.Model):
    """One message of a pasted run, kept as pasted until someone handles it: confirmed into an order,
    opened as a help request, or set aside. Nothing pasted is lost."""

    class Status(models.TextChoices):
        OPEN = "open", _("to review")
        ORDERED = "ordered", _("order made")
        HELP = "help", _("help request opened")
        SET_ASIDE = "set_aside", _("set aside")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    batch = models.UUIDField(_("paste"), db_index=True)
    position = models.PositiveIntegerField(_("position"))
    sender = models.CharField(_("sender"), max_length=100, blank=True)
    text = models.TextField(_("text"))
    # The parser's reading (parser.Parsed.as_json) and the household its address resolved to.
    parsed = models.JSONField(default=dict)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    urgent = models.BooleanField(_("urgent"), default=False)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("household"))
    address_problem = models.CharField(_("address"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    pasted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    pasted_at = models.DateTimeField(_("pasted at"))
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    # The help request a help or distress message opened (resident services, services.HelpRequest).
    help_request = models.ForeignKey("services.HelpRequest", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-urgent", "pasted_at", "batch", "position"]
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="inbox_message_unique_position")]
        indexes = [models.Index(fields=["community", "status"], name="inbox_community_status")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"


class Distribution(models.Model):
    """A government supply pack (政府保供包) for every household of a compound or the community:
    one free order per household, delivered and received like any order, tracked like a round
    (which households have not received theirs, by building and grid)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    compound = models.ForeignKey("registry.Compound", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("compound"))
    name = models.CharField(_("name"), max_length=100)
    contents = models.TextField(_("contents"), blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("government supply pack")
        verbose_name_plural = _("government supply packs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    """A household's order: goods, medicine or an errand, from a group message, a phone call or the
    resident's own phone."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        CONFIRMED = "confirmed", _("confirmed")
        PURCHASED = "purchased", _("purchased")
        PACKED = "packed", _("packed")
        OUT = "out", _("out for delivery")
        DELIVERED = "delivered", _("delivered")
        CANCELLED = "cancelled", _("cancelled")

    class Source(models.TextChoices):
        GROUP = "group", _("group message")
        PHONE = "phone", _("phone call")
        RESIDENT = "resident", _("resident's own order")
        GOVERNMENT = "government", _("government supply pack")
        CARE = "care", _("care plan refill")

    class Payment(models.TextChoices):
        SHOP = "shop", _("paid to the shop")
        CASH = "cash", _("cash on delivery")
        FREE = "free", pgettext_lazy("payment", "free")

    class Receipt(models.TextChoices):
        TAP = "tap", _("the resident confirmed in their account")
        CODE = "code", _("the resident read out the code")
        COURIER = "courier", _("the courier saw the resident take it in")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="supply_orders",
                                  verbose_name=_("household"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ORDER)
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.GROUP)
    note = models.TextField(_("note"), blank=True)
    message = models.OneToOneField(InboxMessage, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="order", verbose_name=_("message"))
    # The caller's own id for the order (the API, the resident's phone): the same id again is the same order.
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, null=True, blank=True)
    payment = models.CharField(_("payment"), max_length=10, choices=Payment.choices, blank=True)
    # Read out by the resident over the phone to confirm receipt.
    receipt_code = models.CharField(_("receipt code"), max_length=6)
    receipt = models.CharField(_("receipt"), max_length=10, choices=Receipt.choices, blank=True)
    run = models.ForeignKey("Run", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders",
                            verbose_name=_("delivery run"))
    run_position = models.PositiveIntegerField(default=0)
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="orders", verbose_name=_("government supply pack"))
    left_at_door_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    confirmed_at = models.DateTimeField(null=True, blank=True)
    purchased_at = models.DateTimeField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    out_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-urgent", "received_at", "id"]
        indexes = [
            models.Index(fields=["community", "status", "urgent"], name="supply_order_status"),
            models.Index(fields=["community", "received_at"], name="supply_order_received"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(status="delivered") | ~Q(receipt=""),
                                   name="supply_order_delivered_has_receipt"),
            # One pack per household per distribution, whatever retries.
            models.UniqueConstraint(fields=["distribution", "household"], condition=Q(distribution__isnull=False),
                                    name="supply_order_one_pack_per_household"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


# The life cycle: each status, the one before it, and the moment it keeps.
STEPS: dict[str, tuple[str | None, str]] = {
    Order.Status.RECEIVED: (None, "received_at"),
    Order.Status.CONFIRMED: (Order.Status.RECEIVED, "confirmed_at"),
    Order.Status.PURCHASED: (Order.Status.CONFIRMED, "purchased_at"),
    Order.Status.PACKED: (Order.Status.PURCHASED, "packed_at"),
    Order.Status.OUT: (Order.Status.PACKED, "out_at"),
    Order.Status.DELIVERED: (Order.Status.OUT, "delivered_at"),
}
FLOW: list[str] = [Order.Status.RECEIVED, Order.Status.CONFIRMED, Order.Status.PURCHASED, Order.Status.PACKED,
        Order.Status.OUT, Order.Status.DELIVERED]


class OrderItem(models.Model):
    """One line of an order: goods with quantity and unit, or a package; a shortage or substitution
    marked on the purchase list comes back here."""

    class Supply(models.TextChoices):
        AS_ORDERED = "", _("as ordered")
        SHORT = "short", _("not available")
        SUBSTITUTED = "substituted", _("substituted")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    name = models.CharField(_("item"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    package = models.ForeignKey(Package, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("package"))
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("shop"))
    supply = models.CharField(_("supply"), max_length=12, choices=Supply.choices, blank=True, default="")
    substitute = models.CharField(_("substitute"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["order_id", "id"]

    def __str__(self) -> str:
        return self.name


class Run(models.Model):
    """A delivery run (配送批次): orders of a grid or building in walking order, with a courier."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("delivery run", "planned")
        OUT = "out", pgettext_lazy("delivery run", "out")
        DONE = "done", pgettext_lazy("delivery run", "done")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("grid"))
    courier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supply_runs",
                                verbose_name=_("courier"))
    # It goes into a risk place (a building with a confirmed case or close contact): staff only.
    into_risk_place = models.BooleanField(_("into a risk place"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("delivery run")
        verbose_name_plural = _("delivery runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class RunStep(models.Model):
    """What happened on a run, in order: the courier entering and leaving a risk building (with the
    disinfection step), an order left at the door."""

    class What(models.TextChoices):
        ENTERED = "entered", _("entered the building, disinfected")
        LEFT = "left", _("left the building, disinfected")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    building = models.ForeignKey("registry.Building", on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=10, choices=What.choices)
    at = models.DateTimeField()
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)

    class Meta:
        ordering = ["run_id", "at", "id"]
        verbose_name = _("run step")
        verbose_name_plural = _("run steps")

    def __str__(self) -> str:
        return f"#{self.run_id} {self.get_what_display()}"
