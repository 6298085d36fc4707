"""Movement restrictions on persons, containment levels of areas (sealed, controlled, precaution),
and permits: the staff-approved exceptions to them.

Gates and deliveries obey them through ``containment.selectors``; the later health issue (home
quarantine with daily follow-ups, transfers to central quarantine) builds on these rows rather than
replacing them. A row is in force from ``starts_at`` until ``ends_at`` (open-ended when empty);
ending one early sets ``ends_at``, so the history of who was restricted when is never lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RestrictionKind(models.TextChoices):
    HOME_QUARANTINE = "home_quarantine", _("home quarantine")
    HOME_MONITORING = "home_health_monitoring", _("home health monitoring")
    CENTRAL_QUARANTINE = "central_quarantine", _("central quarantine")
    OTHER = "other", _("other restriction")


class MovementRestriction(models.Model):
    """A person may not leave home (or their quarantine place) while this is in force."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="restrictions", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=RestrictionKind.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("movement restriction")
        verbose_name_plural = _("movement restrictions")
        indexes = [models.Index(fields=["person", "starts_at"], name="restriction_person_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="restriction_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"


class Level(models.TextChoices):
    """Containment levels, strictest first (the order ``STRICTNESS`` relies on)."""

    SEALED = "sealed", _("sealed area")
    CONTROLLED = "controlled", _("controlled area")
    PRECAUTION = "precaution", _("precaution area")


STRICTNESS = {Level.SEALED: 3, Level.CONTROLLED: 2, Level.PRECAUTION: 1}


class ContainmentArea(models.Model):
    """A compound, building or unit at a containment level for a period. Exactly one place is set; a
    household is at the strictest level in force over its unit, its building or its compound."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    compound = models.ForeignKey("registry.Compound", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="containment_areas", verbose_name=_("compound"))
    building = models.ForeignKey("registry.Building", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="containment_areas", verbose_name=_("building"))
    unit = models.ForeignKey("registry.Unit", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="containment_areas", verbose_name=_("unit"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("containment area")
        verbose_name_plural = _("containment areas")
        indexes = [models.Index(fields=["community", "starts_at"], name="area_community_start")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(compound__isnull=False, building__isnull=True, unit__isnull=True)
                    | Q(compound__isnull=True, building__isnull=False, unit__isnull=True)
                    | Q(compound__isnull=True, building__isnull=True, unit__isnull=False)
                ),
                name="area_exactly_one_place",
            ),
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="area_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.get_level_display()}"

    @property
    def place(self) -> models.Model:
        place = self.unit or self.building or self.compound
        assert place is not None  # exactly one is set (area_exactly_one_place)
        return place


class ExitQuota(models.Model):
    """During a controlled period: at most ``persons`` exits per household every ``days`` days."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    compound = models.ForeignKey("registry.Compound", on_delete=models.CASCADE, related_name="exit_quotas",
                                 verbose_name=_("compound"))
    persons = models.PositiveSmallIntegerField(_("exits per household"), default=1)
    days = models.PositiveSmallIntegerField(_("every so many days"), default=2)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("exit quota")
        verbose_name_plural = _("exit quotas")
        constraints = [
            models.CheckConstraint(condition=Q(persons__gte=1) & Q(days__gte=1), name="exit_quota_positive"),
        ]

    def __str__(self) -> str:
        return str(_("%(compound)s: %(persons)s exits every %(days)s days") % {
            "compound": self.compound, "persons": self.persons, "days": self.days})


class Permit(models.Model):
    """A permit (通行许可): a staff-approved exception to containment for one person or one visitor,
    at one place (a compound, building, unit or room), for a time window, with a reason.

    While it is in force (approved, ``starts_at`` <= t < ``ends_at``) the gates let its holder through
    the containment rules that would refuse them at that place: a resident living there may leave
    under a movement restriction, from a sealed area or past a used exit quota; a visitor may come
    in to a sealed household there. Never past a closed gate, the health checks (fever, health code,
    mask, temperature) or an unidentified person. A visitor is matched by phone number.

    A guard may request one from the gate screen (``requested``); the office approves or refuses it.
    Staff may grant one directly (approved by them). Revoking ends it at once; an ended permit stays,
    with who decided what and when, and every change is in the audit log.
    """

    class Status(models.TextChoices):
        # With a context: "refused" and "revoked" mean other things in the gates' catalogue (a
        # refused passage, the time a pass was revoked), and Django merges every app's catalogue.
        REQUESTED = "requested", pgettext_lazy("permit status", "requested")
        APPROVED = "approved", pgettext_lazy("permit status", "approved")
        REFUSED = "refused", pgettext_lazy("permit status", "refused")
        REVOKED = "revoked", pgettext_lazy("permit status", "revoked")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="permits", verbose_name=_("person"))
    visitor_name = models.CharField(_("visitor's name"), max_length=60, blank=True)
    visitor_phone = models.CharField(_("visitor's phone"), max_length=20, blank=True)  # normalized
    compound = models.ForeignKey("registry.Compound", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="permits", verbose_name=_("compound"))
    building = models.ForeignKey("registry.Building", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="permits", verbose_name=_("building"))
    unit = models.ForeignKey("registry.Unit", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="permits", verbose_name=_("unit"))
    room = models.ForeignKey("registry.Room", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="permits", verbose_name=_("room"))
    reason = models.CharField(_("reason"), max_length=200)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested on"), null=True, blank=True)
    # Where the request came from, as the guard saw it ("富通小区 东门"); containment knows no gates.
    requested_where = models.CharField(_("requested from"), max_length=100, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("approved or refused by"))
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        indexes = [
            # The gate's look-ups: a person's permits, a visitor's by phone, both by end of window.
            models.Index(fields=["person", "ends_at"], name="permit_person_end"),
            models.Index(fields=["visitor_phone", "ends_at"], name="permit_visitor_end"),
            models.Index(fields=["community", "status", "ends_at"], name="permit_community_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(compound__isnull=False, building__isnull=True, unit__isnull=True, room__isnull=True)
                    | Q(compound__isnull=True, building__isnull=False, unit__isnull=True, room__isnull=True)
                    | Q(compound__isnull=True, building__isnull=True, unit__isnull=False, room__isnull=True)
                    | Q(compound__isnull=True, building__isnull=True, unit__isnull=True, room__isnull=False)
                ),
                name="permit_exactly_one_place",
            ),
            models.CheckConstraint(
                condition=(Q(person__isnull=False, visitor_name="", visitor_phone="")
                           | (Q(person__isnull=True) & ~Q(visitor_name="") & ~Q(visitor_phone=""))),
                name="permit_person_or_visitor",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="permit_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} @ {self.place}"

    @property
    def place(self) -> models.Model:
        place = self.room or self.unit or self.building or self.compound
        assert place is not None  # exactly one is set (permit_exactly_one_place)
        return place

    @property
    def holder_name(self) -> str:
        return self.person.name if self.person is not None else self.visitor_name

    @property
    def is_visitor(self) -> bool:
        return self.person_id is None

    @property
    def approver(self) -> str:
        """Who approved it, as the gate shows it ("allowed: permit by ...")."""
        return _user_name(self.decided_by) if self.status in (self.Status.APPROVED, self.Status.REVOKED) else ""

    # Who asked, decided and revoked, by name; "" once their account is gone (the columns are SET_NULL).
    @property
    def requester_name(self) -> str:
        return _user_name(self.requested_by)

    @property
    def decider_name(self) -> str:
        return _user_name(self.decided_by)

    @property
    def revoker_name(self) -> str:
        return _user_name(self.revoked_by)

    def covers(self, *, room_id: int, unit_id: int, building_id: int, compound_id: int) -> bool:
        """The permit's place is this room, or contains it."""
        return (self.room_id == room_id or self.unit_id == unit_id or self.building_id == building_id
                or self.compound_id == compound_id)

    def in_force(self, at: dt.datetime) -> bool:
        return self.status == self.Status.APPROVED and self.starts_at <= at < self.ends_at


def _user_name(user: Any) -> str:
    return (user.first_name or user.username) if user is not None else ""
