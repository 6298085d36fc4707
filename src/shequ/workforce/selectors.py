"""Reads of the workforce: shifts, who is on duty, posts short of people, the duty board.

Reads for a page take the caller's Scope; the gate screen's "on duty" line and the gate roster's
grid take rows the caller already read through its own scoped selectors (a gate, a community).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Membership, User
from shequ.containment.selectors import restrictions_in_force
from shequ.core.scoping import Scope
from shequ.core.temperature import FEVER_AT
from shequ.registry.models import Community
from shequ.workforce import shifts as windows
from shequ.workforce.access import DUTY_ROLES
from shequ.workforce.models import Assignment, CallOut, HealthDeclaration, Post, Shift, Volunteer


def community_shifts(community_id: int) -> list[Shift]:
    return list(Shift.objects.filter(community_id=community_id))


def shifts_at(community_id: int, at: dt.datetime) -> list[tuple[Shift, dt.date]]:
    """Every shift running at ``at`` with the day it started, the latest start first."""
    return [(w.shift, w.date) for w in windows.running_at(community_shifts(community_id), at)]


def gate_posts(gate_ids: Iterable[int]) -> dict[int, Post]:
    """gate id -> its post (gates without a post yet are missing)."""
    return {p.gate_id: p for p in Post.objects.filter(gate_id__in=sorted(set(gate_ids))) if p.gate_id is not None}


def on_duty_at_gate(gate_id: int, community_id: int, at: dt.datetime | None = None) -> list[Any]:
    """The people on duty at a gate at ``at``, in every shift running then."""
    running = shifts_at(community_id, at or timezone.now())
    if not running:
        return []
    which = Q()
    for shift, day in running:
        which |= Q(shift=shift, date=day)
    people: dict[int, Any] = {}
    for duty in (Assignment.objects.filter(which, post__gate_id=gate_id).select_related("user")
                 .order_by("user__username")):
        people.setdefault(duty.user_id, duty.user)
    return list(people.values())


def shift_at_gate(community_id: int, at: dt.datetime, *, gate_id: int | None = None) -> tuple[Shift, dt.date] | None:
    """The shift running at ``at`` that started last; with ``gate_id``, the one that started last among
    those with someone on duty there (the gate screen names the guards' shift)."""
    running = shifts_at(community_id, at)
    if gate_id is not None:
        staffed = set(Assignment.objects.filter(post__gate_id=gate_id, shift__in=[s for s, _d in running],
                                                date__in={d for _s, d in running}).values_list("shift_id", "date"))
        running = [(s, d) for s, d in running if (s.pk, d) in staffed] or running
    return running[0] if running else None


def staffed_gates(gate_ids: list[int], shift: Shift, day: dt.date) -> set[int]:
    """The gates among ``gate_ids`` with someone on duty in ``shift`` on ``day``."""
    return set(Assignment.objects.filter(post__gate_id__in=gate_ids, shift=shift, date=day)
               .values_list("post__gate_id", flat=True))


def gate_duties_between(gate_ids: list[int], first: dt.date, last: dt.date) -> list[Assignment]:
    """The duties at the gates from ``first`` to ``last``, with the person (one query)."""
    return list(Assignment.objects.filter(post__gate_id__in=gate_ids, date__gte=first, date__lte=last)
                .select_related("user", "post").order_by("user__username"))


def people_for_duty(community: Community, roles: Iterable[str] = DUTY_ROLES) -> list[Any]:
    """Active users with one of ``roles`` in the community: who may be put on duty."""
    ids = Membership.objects.filter(community=community, role__in=sorted(roles)).values("user_id")
    return list(User.objects.filter(id__in=ids, is_active=True).order_by("username"))


def duty_get(scope: Scope, pk: int) -> Assignment:
    return get_object_or_404(
        scope.filter(Assignment.objects.select_related("post", "shift", "user", "community")), pk=pk)


def managed_communities(scope: Scope) -> QuerySet[Community]:
    """The communities whose posts the user runs (secretary, staff)."""
    return Community.objects.filter(id__in=sorted(scope.communities_where("workforce.manage"))).order_by("id")


def managed_community(scope: Scope, pk: int | None = None) -> Community:
    """The community asked for, or the first of the user's; 404 outside the user's."""
    qs = managed_communities(scope)
    if pk is not None:
        return get_object_or_404(qs, pk=pk)
    community = qs.first()
    if community is None:
        raise Http404
    return community


def post_list(scope: Scope, community: Community) -> QuerySet[Post]:
    return scope.filter(Post.objects.filter(community=community, active=True).select_related("gate"))


def post_get(scope: Scope, pk: int) -> Post:
    return get_object_or_404(scope.filter(Post.objects.select_related("community")), pk=pk)


def shift_get(scope: Scope, pk: int) -> Shift:
    return get_object_or_404(scope.filter(Shift.objects.all()), pk=pk)


def my_duties(scope: Scope, *, since: dt.date) -> QuerySet[Assignment]:
    """The user's own duties from ``since`` on (a volunteer sees their own shifts, nobody else's)."""
    if scope.user_id is None:
        return Assignment.objects.none()
    return (Assignment.objects.filter(user_id=scope.user_id, date__gte=since)
            .select_related("post", "shift", "community").order_by("date", "shift__starts", "post__name"))


# -- the duty board --------------------------------------------------------------------------------


@dataclass
class BoardCell:
    date: dt.date
    shift: Shift
    duties: list[Assignment] = field(default_factory=list)
    needed: int = 1
    # The current or next shift window and fewer people than the post needs.
    gap: bool = False
    when: str = ""  # "now" | "next" | ""

    @property
    def short(self) -> int:
        return max(0, self.needed - len(self.duties))


@dataclass
class BoardRow:
    post: Post
    cells: list[BoardCell]


@dataclass(frozen=True)
class BoardColumn:
    date: dt.date
    shift: Shift
    when: str  # "now" | "next" | ""


@dataclass
class Board:
    community: Community
    columns: list[BoardColumn]
    rows: list[BoardRow]
    current: windows.ShiftWindow | None
    upcoming: windows.ShiftWindow | None

    @property
    def gaps(self) -> list[tuple[BoardRow, BoardCell]]:
        return [(r, c) for r in self.rows for c in r.cells if c.gap]


def board(scope: Scope, community: Community, *, at: dt.datetime | None = None,
          posts: list[Post] | None = None, closed_gates: Iterable[int] = ()) -> Board:
    """Posts x shifts for today and tomorrow with who is on duty (two queries), gaps in the current
    and the next shift flagged. A night shift that started yesterday and runs now comes first (it
    belongs to the day it starts). A closed gate needs nobody: its gate id is in ``closed_gates``
    (the caller, who may read gates, says which; workforce does not read gates)."""
    at = at or timezone.now()
    today = timezone.localdate(at, timezone.get_default_timezone())
    shift_list = community_shifts(community.pk)
    current, upcoming = windows.current_and_next(shift_list, at)
    watch = {(w.shift.pk, w.date): name for name, w in (("next", upcoming), ("now", current)) if w is not None}
    keys = [(day, s) for day in (today, today + dt.timedelta(days=1)) for s in shift_list]
    keys = [(w.date, w.shift) for w in (current,) if w is not None and w.date < today] + keys
    columns = [BoardColumn(date=day, shift=s, when=watch.get((s.pk, day), "")) for day, s in keys]
    post_rows = posts if posts is not None else list(post_list(scope, community))
    closed = set(closed_gates)
    duties: dict[tuple[int, int, dt.date], list[Assignment]] = {}
    if columns:
        first, last = min(c.date for c in columns), max(c.date for c in columns)
        for d in (scope.filter(Assignment.objects.filter(post__in=post_rows, date__gte=first, date__lte=last))
                  .select_related("user").order_by("user__username")):
            duties.setdefault((d.post_id, d.shift_id, d.date), []).append(d)
    rows = []
    for post in post_rows:
        needed = 0 if post.gate_id in closed else post.needed
        cells = []
        for col in columns:
            cell = BoardCell(date=col.date, shift=col.shift, duties=duties.get((post.pk, col.shift.pk, col.date), []),
                             needed=needed, when=col.when)
            cell.gap = bool(cell.when) and cell.short > 0
            cells.append(cell)
        rows.append(BoardRow(post=post, cells=cells))
    return Board(community=community, columns=columns, rows=rows, current=current, upcoming=upcoming)


# -- who may be put on duty --------------------------------------------------------------------------


def person_of(user: Any) -> int | None:
    """The registry person of a user: the one their volunteer sign-up was linked to, or the resident's
    own (accounts' User.person)."""
    volunteer = Volunteer.objects.filter(user_id=user.pk, person__isnull=False).values_list("person_id", flat=True).first()
    return volunteer if volunteer is not None else getattr(user, "person_id", None)


def unassignable_reason(user: Any, community_id: int, day: dt.date) -> str:
    """Why ``user`` may not be put on duty on ``day`` ("" if they may): a fever they declared for
    that day, or a movement restriction (home quarantine...) of their person in force that day
    (containment's selectors)."""
    declared = HealthDeclaration.objects.filter(user_id=user.pk, date=day).values_list("temperature", flat=True).first()
    name = user.first_name or user.username
    if declared is not None and declared >= FEVER_AT:
        return _("%(name)s declared a fever (%(t)s °C) for %(day)s: not on duty that day.") % {
            "name": name, "t": declared, "day": day.isoformat()}
    person = person_of(user)
    if person is not None:
        tz = timezone.get_default_timezone()
        noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)), tz)
        if restrictions_in_force([person], noon):
            return _("%(name)s is under a movement restriction on %(day)s: not on duty that day.") % {
                "name": name, "day": day.isoformat()}
    return ""


def health_today(user: Any, day: dt.date) -> HealthDeclaration | None:
    return HealthDeclaration.objects.filter(user_id=user.pk, date=day).first()


# -- volunteers, call-outs, hours --------------------------------------------------------------------


def volunteer_list(scope: Scope, community: Community) -> QuerySet[Volunteer]:
    return scope.filter(Volunteer.objects.filter(community=community).select_related("building", "user")).order_by(
        "status", "-created_at", "id")


def volunteer_get(scope: Scope, pk: int) -> Volunteer:
    return get_object_or_404(scope.filter(Volunteer.objects.select_related("community", "user")), pk=pk)


def callout_list(scope: Scope, community: Community) -> QuerySet[CallOut]:
    return scope.filter(CallOut.objects.filter(community=community).select_related(
        "post", "shift", "accepted_by", "created_by")).order_by("-created_at", "-id")


def callout_get(scope: Scope, pk: int) -> CallOut:
    """A call-out the user may see: the office's, or one offered to them (a volunteer of the
    community); 404 otherwise."""
    return get_object_or_404(scope.filter(CallOut.objects.select_related(
        "post", "shift", "community", "accepted_by"), variant="offered"), pk=pk)


def callouts_offered(scope: Scope, *, since: dt.date) -> QuerySet[CallOut]:
    """Open call-outs of the communities where the user may be called out."""
    return scope.filter(CallOut.objects.filter(status=CallOut.Status.OPEN, date__gte=since), variant="offered"
                        ).select_related("post", "shift").order_by("date", "shift__starts")


def hours(duties: Iterable[Assignment], at: dt.datetime) -> float:
    """Hours of the duties whose shift has ended by ``at`` (a shift past midnight counts whole)."""
    total = 0.0
    for d in duties:
        w = windows.window(d.shift, d.date)
        if w.end <= at:
            total += (w.end - w.start).total_seconds() / 3600
    return total


@dataclass(frozen=True)
class Served:
    user: Any
    hours: float
    shifts: int


def hours_served(scope: Scope, community: Community, *, at: dt.datetime | None = None,
                 user_id: int | None = None) -> list[Served]:
    """Hours served per person in the community (shifts that have ended), most first."""
    at = at or timezone.now()
    qs = scope.filter(Assignment.objects.filter(community=community, date__lte=timezone.localdate(at))
                      ).select_related("shift", "user")
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    by_user: dict[int, list[Assignment]] = {}
    for d in qs:
        by_user.setdefault(d.user_id, []).append(d)
    served = [Served(user=ds[0].user, hours=hours(ds, at), shifts=len(ds)) for ds in by_user.values()]
    return sorted((s for s in served if s.hours > 0), key=lambda s: (-s.hours, s.user.username))


def duties_of(scope: Scope, community: Community, user_id: int) -> list[Assignment]:
    """One person's duties in the community, oldest first (the certificate's period)."""
    return list(scope.filter(Assignment.objects.filter(community=community, user_id=user_id)).order_by("date", "id"))


# -- the daily report's figures (reports.figures reads them) --------------------------------------------

def report_figures(community_ids: Sequence[int], *, since: dt.datetime, until: dt.datetime) -> dict[str, dict[int, int]]:
    """Volunteers and staff on duty on the report's day per community: distinct persons with a duty
    that day, put on it by the cut-off."""
    day = timezone.localtime(until).date()
    return {"on_duty": dict(Assignment.objects.filter(community_id__in=community_ids, date=day,
                                                      created_at__lte=until).values_list("community_id")
                            .annotate(n=Count("user_id", distinct=True)))}
