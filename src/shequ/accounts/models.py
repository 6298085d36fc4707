"""Users, their roles in communities, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from shequ.core import api_tokens
from shequ.core.scoping import Role

__all__ = ["ApiToken", "Membership", "Role", "User"]


class User(AbstractUser):
    """A person who logs in. What they may see comes from their memberships, not from this row.

    A one-time password (issued by the secretary, the street or ``shequ setup``) is stored like any
    password, hashed; ``must_change_password`` marks it, and it stops working at
    ``password_expires_at``. It is used once: logging in with it makes the password unusable, and
    the session that logged in may only set a new one (accounts.middleware). Deactivating
    (``is_active``) ends every session at the next request; ``session_version`` ends them while the
    account stays active (a lost phone)."""

    phone = models.CharField(_("phone"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_expires_at = models.DateTimeField(_("one-time password expires"), null=True, blank=True)
    session_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session check (an HMAC of the password hash), which also covers
        ``session_version``: raising it signs every session of the user out. At version 0 the hash
        is Django's own, so sessions opened before this field existed stay valid."""
        if not self.session_version:
            # Django's own (since 5.0), missing from django-stubs 5.2.
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac("shequ.accounts.User.get_session_auth_hash", f"{self.password}:{self.session_version}",
                           secret=secret, algorithm="sha256").hexdigest()


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
    # A resident who joined by invite code: the person of the household they confirmed. ``is_family``:
    # a relative who lives elsewhere, linked to the household to help (an elderly parent's).
    person = models.ForeignKey("registry.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_family = models.BooleanField(_("family member living elsewhere"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, null=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.STREET, street__isnull=False) | (~Q(role=Role.STREET) & Q(community__isnull=False)),
                name="membership_has_tenant",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.GRID_WORKER) | Q(grid__isnull=False), name="membership_grid_worker_has_grid"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.RESIDENT) | Q(household__isnull=False), name="membership_resident_has_household"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.PROPERTY) | Q(property_company__isnull=False),
                name="membership_property_has_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()}"


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


class InviteCode(models.Model):
    """A household's invite code: residents (and family living elsewhere) join with it.

    Eight characters, random, printed on door notices as text and QR; only an HMAC of it (keyed by
    the server's secret) is stored, so the database alone cannot give the codes. It holds until it is
    reissued, which revokes it: one active code per household. Each person of the household joins with
    it once (accounts.services.invite_join)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="invite_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invite code")
        verbose_name_plural = _("invite codes")
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(revoked_at__isnull=True),
                                    name="invite_code_one_active_per_household"),
        ]

    def __str__(self) -> str:
        return str(_("invite code (revoked)") if self.revoked_at else _("invite code"))


class SetupCode(models.Model):
    """The one-time code ``shequ setup --code`` prints: it opens the first-run page from another machine
    while no community exists. Stored hashed; it expires, and a new one replaces it."""

    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("setup code")
        verbose_name_plural = _("setup codes")

    def __str__(self) -> str:
        return str(_("setup code until %(at)s") % {"at": f"{self.expires_at:%Y-%m-%d %H:%M}"})
