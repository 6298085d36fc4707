"""The duty roster: the week grid, assigning and removing guards, the current and next shift, and the
warning about gates nobody guards (on the roster page and the dashboard)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.accounts.models import User
from shequ.gates import roster
from shequ.gates.ledger import local_today
from shequ.gates.models import Gate
from shequ.registry.models import Community
from shequ.workforce.models import Assignment, Shift

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _post() -> Gate:
    return Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")


def _shifts() -> list[Shift]:
    return list(Shift.objects.filter(community__code="futong"))


def _key(client: Any) -> str:
    html = client.get(reverse("gates:roster")).content.decode()
    return re.search(r'name="submission_key" value="([0-9a-f]{32})"', html).group(1)


@pytest.mark.parametrize(("hour", "current", "current_day", "upcoming", "upcoming_day"), [
    (10, "早班", 0, "中班", 0),
    (23, "中班", 0, "夜班", 1),
    (3, "夜班", 0, "早班", 0),
    (16, "中班", 0, "夜班", 1),
])
def test_current_and_next_shift(hour: int, current: str, current_day: int, upcoming: str, upcoming_day: int) -> None:
    day = dt.date(2022, 4, 5)
    at = dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)
    now, nxt = roster.current_and_next(_shifts(), at)
    assert (now.shift.name, now.date) == (current, day + dt.timedelta(days=current_day))
    assert (nxt.shift.name, nxt.date) == (upcoming, day + dt.timedelta(days=upcoming_day))
    assert now.start <= at < now.end and nxt.start >= now.end


def test_a_gap_between_custom_shifts_has_no_current_shift() -> None:
    day = dt.date(2022, 4, 5)
    shifts = [Shift(pk=1, name="白天", starts=dt.time(8), ends=dt.time(18))]
    now, nxt = roster.current_and_next(shifts, dt.datetime.combine(day, dt.time(20), tzinfo=SHANGHAI))
    assert now is None and (nxt.date, nxt.start.hour) == (day + dt.timedelta(days=1), 8)


def test_unstaffed_lists_open_gates_without_a_guard_now_and_next() -> None:
    community = Community.objects.get(code="futong")
    gates = list(Gate.objects.filter(community=community))
    post = _post()
    at = timezone.now()
    result = {u.when: {g.pk for g in u.gates} for u in roster.unstaffed(gates, _shifts(), at)}
    # gate1 covers every shift of its post this week; the other open gates are unstaffed.
    assert post.pk not in result["now"] and post.pk not in result["next"]
    others = {g.pk for g in gates if g.pk != post.pk and g.status == "open"}
    assert result["now"] == others
    # A closed gate needs no guard; removing the post's duty makes it unstaffed.
    closed = next(iter(others))
    Gate.objects.filter(pk=closed).update(status="closed")
    current, _ = roster.current_and_next(_shifts(), at)
    Assignment.objects.filter(post__gate=post, shift=current.shift, date=current.date).delete()
    gates = list(Gate.objects.filter(community=community))
    result = {u.when: {g.pk for g in u.gates} for u in roster.unstaffed(gates, _shifts(), at)}
    assert post.pk in result["now"] and closed not in result["now"] and post.pk not in result["next"]


def test_roster_page_shows_the_week_and_the_warning(login: Any) -> None:
    response = login("secretary").get(reverse("gates:roster"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "gate1" in html or User.objects.get(username="gate1").first_name in html
    assert len(response.context["days"]) == 7 and response.context["days"][0].weekday() == 0
    post_row = next(r for r in response.context["rows"] if r.gate.pk == _post().pk)
    today = local_today()  # the fixed clock's day: in the week the page shows, which the demo's roster covers
    assert response.context["days"][0] <= today <= response.context["days"][6]
    cells = [c for s in post_row.shifts for c in s.cells if c.date == today]
    assert cells and all(c.duties for c in cells)
    assert response.context["unstaffed"]
    assert 'class="card unstaffed"' in html


def test_assign_a_guard_double_submit_creates_one_and_remove(login: Any) -> None:
    gate = Gate.objects.filter(community__code="futong").exclude(pk=_post().pk).first()
    shift = _shifts()[0]
    volunteer = User.objects.get(username="volunteer1")
    day = local_today() + dt.timedelta(days=2)
    client = login("staff")
    data = {"community": gate.community_id, "gate": gate.pk, "shift": shift.pk, "date": day.isoformat(),
            "guard": volunteer.pk, "submission_key": _key(client)}
    first = client.post(reverse("gates:roster_assign"), data)
    second = client.post(reverse("gates:roster_assign"), data)
    assert first.status_code == second.status_code == 302
    duties = Assignment.objects.filter(post__gate=gate, shift=shift, date=day, user=volunteer)
    assert duties.count() == 1
    week = client.get(first["Location"])
    assert any(d.pk == duties.get().pk for r in week.context["rows"] for s in r.shifts for c in s.cells
               for d in c.duties)
    remove = {"submission_key": _key(client)}
    url = reverse("gates:duty_remove", args=[duties.get().pk])
    assert client.post(url, remove).status_code == 302
    assert client.post(url, remove).status_code == 302  # the second click goes where the first went
    assert not duties.exists()
    assert client.post(url, {"submission_key": _key(client)}).status_code == 404


def test_only_guards_and_volunteers_of_the_community_can_be_assigned(login: Any) -> None:
    gate = _post()
    client = login("staff")
    for username in ("resident1", "grid1", "outsider"):
        user = User.objects.get(username=username)
        response = client.post(reverse("gates:roster_assign"), {
            "community": gate.community_id, "gate": gate.pk, "shift": _shifts()[0].pk,
            "date": local_today().isoformat(), "guard": user.pk, "submission_key": _key(client)}, follow=True)
        assert not Assignment.objects.filter(user=user).exists()
        assert any("guard" in str(m) or "值守" in str(m) or "人员" in str(m) for m in response.context["messages"])


def test_a_date_long_past_is_refused(login: Any) -> None:
    gate = _post()
    client = login("staff")
    client.post(reverse("gates:roster_assign"), {
        "community": gate.community_id, "gate": gate.pk, "shift": _shifts()[0].pk,
        "date": (local_today() - dt.timedelta(days=30)).isoformat(),
        "guard": User.objects.get(username="volunteer1").pk, "submission_key": _key(client)})
    assert not Assignment.objects.filter(user__username="volunteer1").exists()


def test_outsider_cannot_touch_futong_roster(login: Any) -> None:
    futong = Community.objects.get(code="futong")
    client = login("outsider")
    assert client.get(reverse("gates:roster"), {"community": futong.pk}).status_code == 404
    html = client.get(reverse("gates:roster")).content.decode()
    assert "富通小区" not in html
    duty = Assignment.objects.filter(community=futong).first()
    assert client.post(reverse("gates:duty_remove", args=[duty.pk])).status_code == 404
    response = client.post(reverse("gates:roster_assign"), {
        "community": futong.pk, "gate": _post().pk, "shift": _shifts()[0].pk, "date": local_today().isoformat(),
        "guard": User.objects.get(username="gate1").pk})
    assert response.status_code == 404
    assert Assignment.objects.filter(pk=duty.pk).exists()


def test_dashboard_shows_unstaffed_gates_to_staff_only(login: Any) -> None:
    html = login("staff").get(reverse("home")).content.decode()
    assert 'class="card unstaffed"' in html and reverse("gates:roster") in html
    guard_home = login("gate1").get(reverse("home"))
    assert 'class="card unstaffed"' not in guard_home.content.decode()
    assert reverse("gates:ledger", args=[_post().pk]) in guard_home.content.decode()


def test_the_grid_flags_empty_cells_of_the_current_and_next_shift(login: Any) -> None:
    post = _post()
    at = timezone.now()
    current, upcoming = roster.current_and_next(_shifts(), at)
    Assignment.objects.filter(post__gate=post, shift=upcoming.shift, date=upcoming.date).delete()
    gates = list(Gate.objects.filter(community__code="futong").order_by("id"))
    _days, rows = roster.week_grid(gates, _shifts(), roster.week_start(upcoming.date),
                                   roster.watched_windows(_shifts(), at))
    flagged = {(r.gate.pk, s.shift.pk, c.date) for r in rows for s in r.shifts for c in s.cells if c.unstaffed}
    assert (post.pk, upcoming.shift.pk, upcoming.date) in flagged
    assert all(shift in (current.shift.pk, upcoming.shift.pk) for _g, shift, _d in flagged)
    assert (post.pk, current.shift.pk, current.date) not in flagged  # gate1 is on duty now
    # A closed gate is never flagged.
    Gate.objects.filter(pk=post.pk).update(status="closed")
    _days, rows = roster.week_grid(list(Gate.objects.filter(pk=post.pk)), _shifts(),
                                   roster.week_start(upcoming.date), roster.watched_windows(_shifts(), at))
    assert not any(c.unstaffed for r in rows for s in r.shifts for c in s.cells)


def test_staff_add_a_custom_shift_and_bad_ones_are_refused_with_a_message(login: Any) -> None:
    from shequ.audit.models import AuditEvent

    futong = Community.objects.get(code="futong")
    client = login("staff")
    page = client.get(reverse("gates:roster")).content.decode()
    assert reverse("gates:roster_shift_add") in page
    url = reverse("gates:roster_shift_add")
    data = {"community": futong.pk, "name": "志愿者两小时", "starts": "18:00", "ends": "20:00",
            "submission_key": "a" * 32}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same form again adds nothing
    shift = Shift.objects.get(community=futong, name="志愿者两小时")
    assert (shift.starts.hour, shift.ends.hour) == (18, 20)
    assert AuditEvent.objects.filter(object_type="shift", object_id=str(shift.pk)).count() == 1
    again = client.post(url, {**data, "submission_key": "b" * 32}, follow=True)
    assert "already has a shift" in again.content.decode() or "已有" in again.content.decode()
    same = client.post(url, {**data, "name": "坏班次", "ends": "18:00", "submission_key": "c" * 32}, follow=True)
    assert not Shift.objects.filter(name="坏班次").exists() and same.status_code == 200
    assert login("gate1").post(url, {**data, "name": "x", "submission_key": "d" * 32}).status_code == 403


def test_a_shift_of_today_that_has_ended_offers_no_plus(login: Any, clock: Any) -> None:
    """The walk-through found "+" on this morning's shift at 16:30: an ended shift says so instead."""
    clock.set_local(2022, 4, 6, 16, 30)  # a Wednesday: 夜班 (00-08) and 早班 (08-16) are over, 中班 is on
    day = dt.date(2022, 4, 6)
    shifts = {s.name: s for s in _shifts()}
    html = login("secretary").get(reverse("gates:roster"), {"week": day.isoformat()}).content.decode()

    def plus(shift: Shift, on: dt.date) -> bool:
        return f"shift={shift.pk}&amp;date={on.isoformat()}#assign" in html

    assert roster.window(shifts["早班"], day).end <= timezone.now() < roster.window(shifts["中班"], day).end
    assert not plus(shifts["早班"], day) and not plus(shifts["夜班"], day)
    assert plus(shifts["中班"], day)
    assert plus(shifts["早班"], day + dt.timedelta(days=1)) and plus(shifts["夜班"], day + dt.timedelta(days=1))
    assert "ended" in html or "已结束" in html


def test_the_home_page_of_a_community_without_gates_says_so(login: Any) -> None:
    """The walk-through's new community: no gate yet, so no gate is "staffed now and next"."""
    client = login("outsider")  # staff of nanxincun, made here a community without gates
    Gate.objects.filter(community__code="nanxincun").delete()
    html = client.get(reverse("home")).content.decode()
    assert "Every open gate has a guard" not in html and "每个开放的卡口" not in html
    assert reverse("gates:gate_add") in html or reverse("gates:gates") in html
    assert "No gates yet" in html or "还没有卡口" in html
