"""Users, their roles in communities, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core import api_tokens


class User(AbstractUser):
    """A person who logs in. What they may see comes from their memberships, not from this row."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.TextChoices):
    SECRETARY = "secretary", _("community secretary")
    STAFF = "staff", _("community staff")
    GRID_WORKER = "grid_worker", _("grid worker")
    GATE_GUARD = "gate_guard", _("gate guard")
    VOLUNTEER = "volunteer", _("volunteer")
    PROPERTY = "property", _("property company")
    SAMPLER = "sampler", _("medical sampler")
    STREET = "street", _("street office")
    RESIDENT = "resident", _("resident")


class Membership(models.Model):
    """A user's role in one community (or, for the street office, one street).

    Which of the optional links must be set depends on the role: a grid worker has a grid, a
    property company user a property company, a resident a household, a street viewer a street.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    community = models.ForeignKey(
        "registry.Community", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("community")
    )
    street = models.ForeignKey("registry.Street", on_delete=models.CASCADE, null=True, blank=True)
    grid = models.ForeignKey("registry.Grid", on_delete=models.CASCADE, null=True, blank=True)
    property_company = models.ForeignKey(
        "registry.PropertyCompany", on_delete=models.CASCADE, null=True, blank=True
    )
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="street", street__isnull=False) | (~Q(role="street") & Q(community__isnull=False)),
                name="membership_has_tenant",
            ),
            models.CheckConstraint(
                condition=~Q(role="grid_worker") | Q(grid__isnull=False), name="membership_grid_worker_has_grid"
            ),
            models.CheckConstraint(
                condition=~Q(role="resident") | Q(household__isnull=False), name="membership_resident_has_household"
            ),
            models.CheckConstraint(
                condition=~Q(role="property") | Q(property_company__isnull=False),
                name="membership_property_has_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role}"


class ApiToken(models.Model):
    """A bearer token for devices and scripts. Only a SHA-256 hash is stored; the token itself is
    shown once, when it is created.

    A token acts with its user's roles, narrowed by its ``purpose``: a general token (a script, an
    integration) may call every route its user may; a device token only the routes that declare its
    purpose (``core.api_tokens.for_tokens``), and there only at its place (a gate device: its gate,
    gates.GateDevice). Everywhere else it is answered as if it had no rights."""

    class Purpose(models.TextChoices):
        GENERAL = api_tokens.GENERAL, _("general")
        GATE_DEVICE = api_tokens.GATE_DEVICE, _("gate device")
        # Not issued yet: the sampling tablet and the delivery phone of the coming issues.
        SAMPLING_DEVICE = api_tokens.SAMPLING_DEVICE, _("sampling device")
        DELIVERY_DEVICE = api_tokens.DELIVERY_DEVICE, _("delivery device")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.GENERAL)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
