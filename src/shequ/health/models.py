"""Health: the health register of persons, home quarantine and monitoring orders with their policy,
and the daily follow-ups of the persons under them.

A person's health status is a history of entries (``HealthEntry``); the latest one is ``current``.
An order (``QuarantineOrder``) puts a person under home quarantine (and then home health
monitoring) for a period counted from their last exposure by a policy (``QuarantinePolicy``), whose
numbers are copied onto the order so that a later change of the policy does not rewrite it. The
gates obey an order through containment's ``MovementRestriction`` rows, which the order's services
create and end in the same transaction (health.services): the gate learns "may not leave", never
why. Follow-ups (``FollowUp``) are the slots of an order's days (morning, afternoon), one row per
person and slot, recorded once (``client_id``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed case")
    ASYMPTOMATIC = "asymptomatic", _("asymptomatic infection")
    SUSPECTED = "suspected", _("suspected case")
    CLOSE_CONTACT = "close_contact", _("close contact")
    SECONDARY_CONTACT = "secondary_contact", _("secondary contact")
    RISK_ARRIVAL = "risk_arrival", _("arrival from a risk area")
    FEVER = "fever", _("fever")
    # The person is no longer any of the above: a suspect ruled out, a contact whose observation is
    # over, a case recovered. The entry stays in the history.
    CLEARED = "cleared", _("cleared")


# A case (the risk-place rule and the epidemic-free rule count these as a confirmed case).
CASES = (Status.CONFIRMED, Status.ASYMPTOMATIC)
# Statuses that make the person's building and unit a risk place while current.
RISK_STATUSES = (Status.CONFIRMED, Status.ASYMPTOMATIC, Status.CLOSE_CONTACT)


class Source(models.TextChoices):
    RETEST = "retest", _("positive re-test")
    LIST = "list", _("list from the street or CDC")
    GATE = "gate", _("gate alert")
    SELF_REPORT = "self_report", _("self-report")
    STAFF = "staff", _("staff")
    FOLLOW_UP = "follow_up", _("follow-up")


class HealthEntry(models.Model):
    """One health status of a person from a date, with where it came from. Never edited: a new
    status is a new entry, and the one before it stops being ``current`` (health.services)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="health_entries",
                               verbose_name=_("person"))
    status = models.CharField(_("health status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    last_exposure_on = models.DateField(_("last exposure"), null=True, blank=True)
    onset_on = models.DateField(_("onset"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The positive re-test of a test round that proposed it (confirmed once: unique).
    retest = models.ForeignKey("campaigns.Retest", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("re-test"))
    current = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("health status entry")
        verbose_name_plural = _("health status entries")
        indexes = [
            models.Index(fields=["community", "current", "status"], name="health_entry_current"),
            models.Index(fields=["person", "reported_at"], name="health_entry_person"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(current=True), name="health_entry_one_current"),
            models.UniqueConstraint(fields=["retest"], condition=Q(retest__isnull=False),
                                    name="health_entry_retest_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_status_display()}"


class QuarantinePolicy(models.Model):
    """How long a home quarantine lasts, counted from the last exposure, then how long the home
    health monitoring after it; the test days; the follow-up slots per day. A community's named
    presets ("14", "7+7", "7+3") are rows of this model."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=40)
    quarantine_days = models.PositiveSmallIntegerField(_("home quarantine days"))
    monitoring_days = models.PositiveSmallIntegerField(_("home health monitoring days"), default=0)
    # Days counted from the last exposure ("1,4,7"), on which a test is due.
    test_days = models.CharField(_("test days"), max_length=60, blank=True)
    slots_per_day = models.PositiveSmallIntegerField(_("follow-ups per day"), default=2)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("quarantine policy")
        verbose_name_plural = _("quarantine policies")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="policy_name_per_community"),
            models.CheckConstraint(condition=Q(quarantine_days__gte=1) | Q(monitoring_days__gte=1),
                                   name="policy_some_days"),
            models.CheckConstraint(condition=Q(slots_per_day__gte=1, slots_per_day__lte=3)
                                   & Q(quarantine_days__lte=60) & Q(monitoring_days__lte=60),
                                   name="policy_days_sane"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def test_day_list(self) -> list[int]:
        return parse_days(self.test_days)


def parse_days(text: str) -> list[int]:
    return sorted({int(d) for d in text.replace("，", ",").split(",") if d.strip().isdigit()})


class OrderKind(models.TextChoices):
    HOME_QUARANTINE = "home_quarantine", _("home quarantine")
    HOME_MONITORING = "home_health_monitoring", _("home health monitoring")


class QuarantineOrder(models.Model):
    """A person under home quarantine and/or home health monitoring for a period: from
    ``starts_at`` (when ordered) to ``quarantine_ends_at``, then monitoring to ``ends_at``. The
    policy in force is copied onto the order. The containment restrictions it keeps in force are
    ``quarantine_restriction`` and ``monitoring_restriction`` (the current rows; the ones ended by
    a change stay in containment's history)."""

    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("order state", "in force")
        ENDED = "ended", pgettext_lazy("order state", "ended")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="health_orders",
                               verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=30, choices=OrderKind.choices)
    policy = models.ForeignKey(QuarantinePolicy, on_delete=models.PROTECT, related_name="orders",
                               verbose_name=_("policy"))
    policy_name = models.CharField(_("policy"), max_length=40)
    quarantine_days = models.PositiveSmallIntegerField(_("home quarantine days"))
    monitoring_days = models.PositiveSmallIntegerField(_("home health monitoring days"))
    test_days = models.CharField(_("test days"), max_length=60, blank=True)
    slots_per_day = models.PositiveSmallIntegerField(_("follow-ups per day"))
    last_exposure_on = models.DateField(_("last exposure"))
    starts_at = models.DateTimeField(_("starts"))
    quarantine_ends_at = models.DateTimeField(_("home quarantine ends"))
    ends_at = models.DateTimeField(_("ends"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    quarantine_restriction = models.ForeignKey("containment.MovementRestriction", on_delete=models.PROTECT,
                                               null=True, blank=True, related_name="+")
    monitoring_restriction = models.ForeignKey("containment.MovementRestriction", on_delete=models.PROTECT,
                                               null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quarantine order")
        verbose_name_plural = _("quarantine orders")
        indexes = [models.Index(fields=["community", "state", "ends_at"], name="order_community_state")]
        constraints = [
            # One live order per person: a new exposure changes the live order, it does not add one.
            models.UniqueConstraint(fields=["person"], condition=Q(state="active"), name="order_one_live_per_person"),
            models.CheckConstraint(condition=Q(quarantine_ends_at__gte=models.F("starts_at"))
                                   & Q(ends_at__gte=models.F("quarantine_ends_at")), name="order_periods_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.policy_name}"

    @property
    def test_day_list(self) -> list[int]:
        return parse_days(self.test_days)

    def test_dates(self) -> list[dt.date]:
        return [self.last_exposure_on + dt.timedelta(days=d) for d in self.test_day_list]


class OrderChange(models.Model):
    """A change of an order's period (extended, shortened, restarted from a new exposure, ended), with
    the reason the user gave; the order's history."""

    class Kind(models.TextChoices):
        ORDERED = "ordered", _("ordered")
        EXTENDED = "extended", _("extended")
        SHORTENED = "shortened", _("shortened")
        RESTARTED = "restarted", _("restarted from a new exposure")
        ENDED = "ended", pgettext_lazy("order change", "ended")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    order = models.ForeignKey(QuarantineOrder, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ends_before = models.DateTimeField(null=True, blank=True)
    ends_after = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))

    class Meta:
        verbose_name = _("order change")
        verbose_name_plural = _("order changes")

    def __str__(self) -> str:
        return f"{self.order} {self.get_kind_display()}"


class Slot(models.TextChoices):
    MORNING = "morning", _("morning")
    AFTERNOON = "afternoon", _("afternoon")
    EVENING = "evening", _("evening")


# Slots of a day by the policy's slots per day; each slot is due by its local time (an hour after
# which a slot not recorded is missed).
SLOTS_BY_COUNT = {1: (Slot.MORNING,), 2: (Slot.MORNING, Slot.AFTERNOON),
                  3: (Slot.MORNING, Slot.AFTERNOON, Slot.EVENING)}
SLOT_DUE = {Slot.MORNING: dt.time(12, 0), Slot.AFTERNOON: dt.time(18, 0), Slot.EVENING: dt.time(22, 0)}


class Outcome(models.TextChoices):
    SEEN = "seen", _("seen")
    NOT_SEEN = "not_seen", _("not seen")
    UNREACHABLE = "unreachable", _("unreachable")
    REFUSED = "refused", pgettext_lazy("follow-up outcome", "refused")


class FollowUp(models.Model):
    """One follow-up slot of a person under an order: pending until recorded (``outcome``), once.
    ``grid_id`` and ``household_id`` are copied from the person's home when the slots are made,
    for the grid worker's list and the household visit."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    order = models.ForeignKey(QuarantineOrder, on_delete=models.CASCADE, related_name="followups")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("registry.Grid", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    due_on = models.DateField(_("day"))
    slot = models.CharField(_("slot"), max_length=10, choices=Slot.choices)
    due_at = models.DateTimeField(_("due by"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1, null=True, blank=True)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    self_reported = models.BooleanField(_("self-reported"), default=False)
    client_id = models.UUIDField(null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["community", "grid", "due_on"], name="followup_grid_day"),
            models.Index(fields=["person", "due_at"], name="followup_person_due"),
            # The grid worker's pending slots of the last 14 days (selectors.due_today): the grid's
            # slots of 14 days are thirty times as many (bench/health.py: grid_due_list_s).
            models.Index(fields=["community", "grid", "due_on"], condition=Q(outcome=""), name="followup_pending"),
            # The overdue buckets of a community or district look back three days (selectors.overdue_buckets);
            # the columns they read make it covering (half the time of the table's rows on SQLite).
            models.Index(fields=["community", "due_at", "person", "outcome", "order"], name="followup_community_due"),
            # Whether an order has a seen slot after a given one (selectors.overdue_buckets), answered
            # from the seen slots alone.
            models.Index(fields=["order", "due_at"], condition=Q(outcome="seen"), name="followup_order_seen"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "due_on", "slot"], name="followup_one_per_slot"),
            models.UniqueConstraint(fields=["community", "client_id"], condition=Q(client_id__isnull=False),
                                    name="followup_client_id_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.due_on} {self.get_slot_display()}"

    @property
    def missed(self) -> bool:
        return self.outcome in (Outcome.NOT_SEEN, Outcome.UNREACHABLE, Outcome.REFUSED)


# -- transfers to central quarantine or hospital --------------------------------------------------


class Facility(models.Model):
    """A central quarantine facility (hotel, observation point) or a hospital: rooms and capacity;
    occupancy is the number of persons arrived there and not yet gone (health.selectors)."""

    class Kind(models.TextChoices):
        HOTEL = "hotel", _("quarantine hotel")
        OBSERVATION = "observation", _("central observation point")
        HOSPITAL = "hospital", _("hospital")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=0)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="facility_name_per_community")]

    def __str__(self) -> str:
        return self.name


class TransferState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("transfer state", "requested")
    APPROVED = "approved", pgettext_lazy("transfer state", "approved")
    VEHICLE = "vehicle_arranged", _("vehicle arranged")
    PICKED_UP = "picked_up", _("picked up")
    ARRIVED = "arrived", _("arrived")
    DISCHARGED = "discharged", _("discharged")
    RETURNED = "returned_home", _("returned home")
    CANCELLED = "cancelled", pgettext_lazy("transfer state", "cancelled")


# Each state's next states: no step can be skipped (health.services.transfer_advance).
TRANSFER_NEXT: dict[str, tuple[str, ...]] = {
    TransferState.REQUESTED: (TransferState.APPROVED, TransferState.CANCELLED),
    TransferState.APPROVED: (TransferState.VEHICLE, TransferState.CANCELLED),
    TransferState.VEHICLE: (TransferState.PICKED_UP, TransferState.CANCELLED),
    TransferState.PICKED_UP: (TransferState.ARRIVED,),
    TransferState.ARRIVED: (TransferState.DISCHARGED, TransferState.RETURNED),
    TransferState.DISCHARGED: (),
    TransferState.RETURNED: (),
    TransferState.CANCELLED: (),
}
TRANSFER_LIVE = (TransferState.REQUESTED, TransferState.APPROVED, TransferState.VEHICLE, TransferState.PICKED_UP,
                 TransferState.ARRIVED)


class Transfer(models.Model):
    """A person's transfer to central quarantine or hospital; members of a household moved together
    share ``group``. One live transfer per person. Each step records who and when in
    ``TransferStep``; the vehicle, the facility and the room are recorded at their steps."""

    class Destination(models.TextChoices):
        CENTRAL = "central_quarantine", _("central quarantine")
        HOSPITAL = "hospital", _("hospital")

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="health_transfers",
                               verbose_name=_("person"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    group = models.UUIDField()
    destination = models.CharField(_("destination"), max_length=20, choices=Destination.choices)
    state = models.CharField(_("state"), max_length=16, choices=TransferState.choices,
                             default=TransferState.REQUESTED)
    reason = models.CharField(_("reason"), max_length=200)
    vehicle = models.CharField(_("vehicle"), max_length=40, blank=True)
    driver = models.CharField(_("driver"), max_length=40, blank=True)
    driver_phone = models.CharField(_("driver's phone"), max_length=20, blank=True)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers",
                                 verbose_name=_("facility"))
    room = models.CharField(_("room"), max_length=20, blank=True)
    restriction = models.ForeignKey("containment.MovementRestriction", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state__in=[s.value for s in TRANSFER_LIVE]),
                                    name="transfer_one_live_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_state_display()}"

    @property
    def next_states(self) -> tuple[str, ...]:
        return TRANSFER_NEXT[self.state]


class TransferStep(models.Model):
    """One step of a transfer: the state it reached, who, when, a note."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="steps")
    state = models.CharField(_("state"), max_length=16, choices=TransferState.choices)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("transfer step")
        verbose_name_plural = _("transfer steps")

    def __str__(self) -> str:
        return f"{self.transfer} {self.get_state_display()}"


class HomeChecklist(models.Model):
    """What stays behind when a household's members are transferred (one per transfer group):
    members left at home (each with a care need, which alerts the office), pets, keys, the final
    disinfection of the home. The first three are answered before pick-up, the disinfection before
    a transfer of the group closes (health.services)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    group = models.UUIDField(unique=True)
    # Members staying home, answered explicitly (``left_checked``): an empty list means nobody.
    left_checked = models.BooleanField(_("members left at home checked"), default=False)
    pets = models.CharField(_("pets"), max_length=200, blank=True)
    pets_checked = models.BooleanField(_("pets checked"), default=False)
    keys = models.CharField(_("keys"), max_length=200, blank=True,
                            help_text=_("Who holds the keys of the home."))
    disinfected_at = models.DateTimeField(_("final disinfection"), null=True, blank=True)
    disinfected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")

    class Meta:
        verbose_name = _("home checklist")
        verbose_name_plural = _("home checklists")

    def __str__(self) -> str:
        return str(_("home checklist"))

    @property
    def before_pickup_done(self) -> bool:
        return self.left_checked and self.pets_checked and bool(self.keys.strip())


class LeftBehind(models.Model):
    """A member left at home by a transfer (a child, an elderly person), with the care they need;
    the office is alerted to open a care task for them."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    checklist = models.ForeignKey(HomeChecklist, on_delete=models.CASCADE, related_name="left_behind")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    care = models.CharField(_("care needed"), max_length=200)

    class Meta:
        verbose_name = _("member left at home")
        verbose_name_plural = _("members left at home")
        constraints = [models.UniqueConstraint(fields=["checklist", "person"], name="left_behind_once")]

    def __str__(self) -> str:
        return str(self.person)


# -- epidemic-free status -------------------------------------------------------------------------


class EpidemicFreeRule(models.Model):
    """A community's rule for the epidemic-free status of its compounds (the default without a row:
    Wuhan's 2020 rule, 14 days, no checklist required)."""

    community = models.OneToOneField("registry.Community", on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(_("days without a case"), default=14)
    checklist_required = models.BooleanField(_("the control checklist is required"), default=False)

    class Meta:
        verbose_name = _("epidemic-free rule")
        verbose_name_plural = _("epidemic-free rules")

    def __str__(self) -> str:
        return str(_("%(days)s days without a case") % {"days": self.days})


CONTROL_ITEMS = (
    ("publicity", _("publicity")),
    ("closed_management", _("closed management")),
    ("door_to_door", _("door-to-door registration")),
    ("disinfection", _("disinfection")),
    ("supply", _("supply guarantee")),
    ("organisation", _("organisation")),
)


class ControlChecklist(models.Model):
    """Wuhan's six control items (防控全到位) of a compound, each ticked by staff."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    compound = models.OneToOneField("registry.Compound", on_delete=models.PROTECT, related_name="+")
    publicity = models.BooleanField(_("publicity"), default=False)
    closed_management = models.BooleanField(_("closed management"), default=False)
    door_to_door = models.BooleanField(_("door-to-door registration"), default=False)
    disinfection = models.BooleanField(_("disinfection"), default=False)
    supply = models.BooleanField(_("supply guarantee"), default=False)
    organisation = models.BooleanField(_("organisation"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("control checklist")
        verbose_name_plural = _("control checklists")

    def __str__(self) -> str:
        return str(self.compound)

    @property
    def done(self) -> bool:
        return all(getattr(self, name) for name, _label in CONTROL_ITEMS)
