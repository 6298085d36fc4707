"""Screening and testing rounds: "不落一户、不漏一人".

A ``Campaign`` (door-to-door screening or a test round) covers a scope: the community, some
compounds, buildings or units (``CampaignPlace``), or one grid. When it opens, its targets are
snapshotted: one ``TargetHousehold`` per household and one ``Target`` per person in scope. People
found while it runs are added as targets too (``added_mid_round``; ``found_in_screening`` when they
were not in the registry at all). A target is *reached* when a screening visit confirms the person
(screening) or a sample is registered for them (test round); ``reached_at`` is kept on the target
itself so that coverage is one GROUP BY over one table, with no join to the 1,000,000 persons.
The place columns of targets are copies (the person and the household are the truth), so they carry
no database foreign-key constraint: checking five constraints per row made opening a round over a
million persons several times slower.

Place columns (compound, building, unit, grid, floor) are copied onto targets at the snapshot: the
coverage counts a round *as it was opened*, even if a building changes grid later.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    SCREENING = "screening", _("door-to-door screening")
    TEST_ROUND = "test_round", _("test round")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", pgettext_lazy("campaign", "open")
    CLOSED = "closed", pgettext_lazy("campaign", "closed")


class Campaign(models.Model):
    """A screening or a test round over a scope of one community, with dates."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    # 名称, a thing's name: "name" alone is a person's 姓名 in the catalogue.
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Empty places and no grid: the whole community.
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("grid"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    # The round this one is compared with ("sampled last time, not this time").
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("previous round"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="campaign_community_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN


class CampaignPlace(models.Model):
    """One compound, building or unit in a campaign's scope (exactly one is set)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="places")
    compound = models.ForeignKey("registry.Compound", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    building = models.ForeignKey("registry.Building", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("campaign place")
        verbose_name_plural = _("campaign places")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(compound__isnull=False, building__isnull=True, unit__isnull=True)
                    | Q(compound__isnull=True, building__isnull=False, unit__isnull=True)
                    | Q(compound__isnull=True, building__isnull=True, unit__isnull=False)
                ),
                name="campaign_place_exactly_one",
            ),
        ]

    def __str__(self) -> str:
        return str(self.place)

    @property
    def place(self) -> models.Model:
        place = self.unit or self.building or self.compound
        assert place is not None  # exactly one is set (campaign_place_exactly_one)
        return place


class ExemptReason(models.TextChoices):
    IN_HOSPITAL = "in_hospital", _("in hospital")
    AWAY = "away", _("away, with proof")
    MOVED_OUT = "moved_out", _("moved out")
    DECEASED = "deceased", _("deceased")


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("visited")
    NOBODY_HOME = "nobody_home", _("nobody home")
    REFUSED = "refused", _("refused")
    MOVED_OUT = "moved_out", _("moved out")


class TargetHousehold(models.Model):
    """A household in a campaign's scope, with its latest screening visit."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="target_households")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey("registry.Compound", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    building = models.ForeignKey("registry.Building", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, db_constraint=False, null=True, blank=True, related_name="+")
    floor = models.SmallIntegerField(default=0)
    last_outcome = models.CharField(_("last visit"), max_length=12, choices=VisitOutcome.choices, blank=True)
    visited_at = models.DateTimeField(null=True, blank=True)
    visits = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("campaign household")
        verbose_name_plural = _("campaign households")
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="target_household_once")]
        indexes = [models.Index(fields=["campaign", "grid", "building"], name="target_hh_grid_building")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.household_id}"


class Target(models.Model):
    """A person the campaign must reach: snapshotted at opening, or added while it runs."""

    # Persons and communities are never deleted, and targets are copied from them: no database
    # constraint to check a million times when a round opens (the campaign's is kept).
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, db_constraint=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    compound = models.ForeignKey("registry.Compound", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    building = models.ForeignKey("registry.Building", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, db_constraint=False, related_name="+")
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, db_constraint=False, null=True, blank=True, related_name="+")
    added_mid_round = models.BooleanField(_("added while running"), default=False)
    found_in_screening = models.BooleanField(_("found in screening"), default=False)
    reached_at = models.DateTimeField(_("reached"), null=True, blank=True)
    exempt_reason = models.CharField(_("exemption"), max_length=12, choices=ExemptReason.choices, blank=True)
    exempt_note = models.CharField(_("exemption note"), max_length=200, blank=True)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="target_person_once")]
        indexes = [
            models.Index(fields=["campaign", "building", "unit"], name="target_campaign_building"),
            models.Index(fields=["campaign", "grid"], name="target_campaign_grid"),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def reached(self) -> bool:
        return self.reached_at is not None

    @property
    def missing(self) -> bool:
        return self.reached_at is None and not self.exempt_reason


class Visit(models.Model):
    """One screening visit to a household (revisits are further rows)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="visits")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=VisitOutcome.choices)
    visited_at = models.DateTimeField(_("time"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("visited by"))
    # person id -> temperature (or null) of the persons confirmed present.
    present = models.JSONField(default=dict)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = pgettext_lazy("campaign", "visit")
        verbose_name_plural = pgettext_lazy("campaign", "visits")
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["campaign", "household"], name="visit_campaign_household")]

    def __str__(self) -> str:
        return self.get_outcome_display()


class SamplingPoint(models.Model):
    """Where samples are taken (采样点), with the time slots and buildings it serves."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="points")
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sampling point")
        verbose_name_plural = _("sampling points")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SamplingSlot(models.Model):
    """A time slot of a sampling point and the buildings called down in it (喊楼)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    point = models.ForeignKey(SamplingPoint, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("sampling slot")
        verbose_name_plural = _("sampling slots")
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="slot_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class SlotBuilding(models.Model):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    slot = models.ForeignKey(SamplingSlot, on_delete=models.CASCADE, related_name="slot_buildings")
    building = models.ForeignKey("registry.Building", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("slot building")
        verbose_name_plural = _("slot buildings")
        constraints = [models.UniqueConstraint(fields=["slot", "building"], name="slot_building_once")]

    def __str__(self) -> str:
        return f"{self.slot_id}:{self.building_id}"


POOLINGS = (1, 5, 10, 20)


class Result(models.TextChoices):
    NEGATIVE = "negative", _("negative")
    POSITIVE = "positive", _("positive")
    INVALID = "invalid", _("invalid")


class Tube(models.Model):
    """A sample tube: one person (pooling 1) or a pool of 5, 10 or 20 (混采). Closes when full."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tubes")
    code = models.CharField(_("tube code"), max_length=40)
    pooling = models.PositiveSmallIntegerField(_("pooling"))
    point = models.ForeignKey(SamplingPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="tubes",
                              verbose_name=_("sampling point"))
    size = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    result_at = models.DateTimeField(_("result time"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tube")
        verbose_name_plural = _("tubes")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="tube_code_once"),
            models.CheckConstraint(condition=Q(pooling__in=POOLINGS), name="tube_pooling_known"),
            models.CheckConstraint(condition=Q(size__lte=models.F("pooling")), name="tube_not_overfull"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Sample(models.Model):
    """A person's swab in a tube. ``client_id`` is chosen by the phone (one UUID per registration) and
    unique per community: a retried post finds the first row. ``repeat`` flags a person sampled more
    than once in a round (not counting re-tests of people on the re-test list)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="samples")
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="samples")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    client_id = models.UUIDField(default=uuid.uuid4)
    sampled_at = models.DateTimeField(_("time"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    repeat = models.BooleanField(_("sampled twice"), default=False)
    retest = models.BooleanField(_("re-test"), default=False)

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        constraints = [
            models.UniqueConstraint(fields=["community", "client_id"], name="sample_client_id_once"),
            models.UniqueConstraint(fields=["tube", "person"], name="sample_person_once_per_tube"),
        ]
        indexes = [models.Index(fields=["campaign", "person"], name="sample_campaign_person")]

    def __str__(self) -> str:
        return f"{self.tube_id}:{self.person_id}"


class RetestStatus(models.TextChoices):
    PENDING = "pending", _("to re-test")
    NEGATIVE = "negative", _("re-tested negative")
    POSITIVE = "positive", _("re-tested positive")


class Retest(models.Model):
    """A person to re-test singly because their pooled (or single) tube was positive or invalid."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="retests")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    source_tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="retests",
                                    verbose_name=_("tube"))
    status = models.CharField(_("status"), max_length=10, choices=RetestStatus.choices,
                              default=RetestStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_tube = models.ForeignKey(Tube, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("re-test")
        verbose_name_plural = _("re-tests")
        constraints = [models.UniqueConstraint(fields=["source_tube", "person"], name="retest_once_per_tube")]
        indexes = [models.Index(fields=["campaign", "status"], name="retest_campaign_status")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_status_display()}"
