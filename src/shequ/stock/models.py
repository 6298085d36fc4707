"""Prevention supplies (防疫物资): items, stores (the community warehouse, each gate), the stock of
an item at a store with its minimum, and the movements that change it (receipts, issues, transfers
between stores). A stock never goes below zero: services change it with one conditional UPDATE,
and a check constraint holds it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Item(models.Model):
    """A kind of supply the community keeps (N95 masks, protective suits...), counted in ``unit``."""

    class Kind(models.TextChoices):
        MASK = "mask", _("masks")
        SUIT = "protective_suit", _("protective suits")
        GLOVES = "gloves", _("gloves")
        THERMOMETER = "thermometer", _("thermometers")
        DISINFECTANT = "disinfectant", _("disinfectant")
        TEST_KIT = "test_kit", _("test kits")
        OTHER = "other", _("other supplies")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10, default="个")

    class Meta:
        verbose_name = _("supply item")
        verbose_name_plural = _("supply items")
        ordering = ["community_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="stock_item_unique_name")]

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """Where supplies are kept: the community warehouse or a gate's shelf."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("community warehouse")
        GATE = "gate", _("gate")
        OTHER = "other", _("other store")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["community_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="stock_store_unique_name")]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """An item at a store: how many there are, and the minimum to keep."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="stocks")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="stocks")
    quantity = models.IntegerField(_("quantity"), default=0)
    minimum = models.PositiveIntegerField(_("minimum"), default=0)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["item", "store"], name="stock_one_row_per_item_and_store"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.store}: {self.quantity}"


class Movement(models.Model):
    """One change of a stock: a receipt, an issue (who took it, for which post), or one side of a
    transfer between stores (both sides share ``transfer``)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", pgettext_lazy("stock", "receipt")
        ISSUE = "issue", _("issue")
        TRANSFER_OUT = "transfer_out", _("transfer out")
        TRANSFER_IN = "transfer_in", _("transfer in")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    at = models.DateTimeField(_("time"))
    taken_by = models.CharField(_("taken by"), max_length=60, blank=True)
    post = models.CharField(_("for the post"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    transfer = models.UUIDField(null=True, blank=True)
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["item", "store", "at"], name="stock_movement_item_store_at")]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_movement_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.item} @ {self.store}"
