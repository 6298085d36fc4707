"""Call-outs (召集): a post short of people offers the shift to the volunteers on standby; the first to
accept gets it, the second is told so, the office sees who and how fast. On a fixed clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shequ.accounts.models import User
from shequ.containment.models import MovementRestriction, RestrictionKind
from shequ.registry.models import Person
from shequ.workforce import selectors, services
from shequ.workforce.models import Assignment, CallOut, Volunteer
from tests.concurrency import at_once, database_for_threads
from tests.workforce.helpers import delivery_post, futong, shifts, staff, volunteer

DAY = dt.date(2022, 4, 5)


def _taken(text: str) -> bool:
    """The message of a call-out someone else took, in the language the test runs in."""
    return "already taken" in text or "已被其他志愿者接下" in text


@pytest.mark.django_db
def test_the_first_to_accept_gets_the_shift_and_the_second_is_told(clock: Any) -> None:
    clock.set_local(2022, 4, 5, 7, 30)
    post, morning = delivery_post(needed=1), shifts()["早班"]
    callout = services.callout_create(actor=staff(), post=post, shift=morning, date=DAY)
    assert services.callout_create(actor=staff(), post=post, shift=morning, date=DAY) == callout  # one call
    first, second = User.objects.get(username="volunteer1"), volunteer("李志愿", "13900001111")
    clock.advance(minutes=12)
    duty = services.callout_accept(actor=first, callout=callout)
    with pytest.raises(services.CallOutTaken) as taken:
        services.callout_accept(actor=second, callout=callout)
    assert _taken(taken.value.messages[0])
    callout.refresh_from_db()
    assert (callout.status, callout.accepted_by, callout.assignment, callout.minutes_to_fill) == (
        "filled", first, duty, 12)
    assert list(Assignment.objects.filter(post=post).values_list("user__username", flat=True)) == ["volunteer1"]


@pytest.mark.parametrize("run", range(3))
def test_two_accepts_at_the_same_moment_give_the_shift_to_one(world_tx: None, clock: Any, run: int) -> None:
    clock.set_local(2022, 4, 5, 7, 30)
    post, morning = delivery_post(needed=1), shifts()["早班"]
    callout = services.callout_create(actor=staff(), post=post, shift=morning, date=DAY)
    people = [User.objects.get(username="volunteer1"), volunteer("李志愿", "13900001111")]

    def accept(i: int) -> str:
        try:
            services.callout_accept(actor=people[i], callout=CallOut.objects.get(pk=callout.pk))
            return "won"
        except services.CallOutTaken as exc:
            return exc.messages[0]

    with database_for_threads():
        outcomes = at_once(2, accept)
        duties = at_once(1, lambda i: list(Assignment.objects.filter(post_id=post.pk).values_list(
            "user_id", flat=True)))[0]
        filled = at_once(1, lambda i: CallOut.objects.get(pk=callout.pk).accepted_by_id)[0]
    assert sorted(outcomes, key=lambda o: o != "won")[0] == "won"
    assert outcomes.count("won") == 1 and _taken(next(o for o in outcomes if o != "won"))
    assert duties == [filled] and filled in {p.pk for p in people}


@pytest.mark.django_db
def test_a_volunteer_with_a_fever_or_under_restriction_is_not_assignable(clock: Any) -> None:
    clock.set_local(2022, 4, 5, 7, 30)
    post, morning = delivery_post(needed=1), shifts()["早班"]
    callout = services.callout_create(actor=staff(), post=post, shift=morning, date=DAY)
    hot = volunteer("发热者", "13900002222")
    services.health_declare(actor=hot, community=futong(), temperature="37.6")
    with pytest.raises(ValidationError) as fever:
        services.callout_accept(actor=hot, callout=callout)
    assert "fever" in fever.value.messages[0] or "发热" in fever.value.messages[0]
    with pytest.raises(ValidationError):
        services.assignment_create(actor=staff(), post=post, shift=morning, date=DAY, user=hot)
    # Under home quarantine: the volunteer's person (linked at vetting by phone) is restricted.
    person = Person.objects.filter(community=futong(), status="active").exclude(phone="").order_by("id").first()
    Person.objects.filter(community=futong(), phone=person.phone).exclude(pk=person.pk).update(phone="")
    quarantined = volunteer(person.name, person.phone)
    assert Volunteer.objects.get(user=quarantined).person_id == person.pk
    MovementRestriction.objects.create(community=futong(), person=person, kind=RestrictionKind.HOME_QUARANTINE,
                                       starts_at=clock.advance(hours=-48))
    reason = selectors.unassignable_reason(quarantined, futong().pk, DAY)
    assert "restriction" in reason or "管控" in reason
    with pytest.raises(ValidationError):
        services.callout_accept(actor=quarantined, callout=callout)
    assert CallOut.objects.get(pk=callout.pk).status == "open"  # still offered to the others


@pytest.mark.django_db
def test_a_volunteer_accepts_on_the_page_and_the_board_shows_the_gap_filled(login: Any, clock: Any) -> None:
    clock.set_local(2022, 4, 5, 7, 30)  # the morning shift is next
    post, morning = delivery_post(needed=1), shifts()["早班"]
    board = login("staff").get(reverse("workforce:board")).context["board"]
    assert any(r.post == post and c.shift == morning and c.date == DAY for r, c in board.gaps)
    office = login("staff")
    response = office.post(reverse("workforce:callouts"), {
        "community": futong().pk, "post": post.pk, "shift": morning.pk, "date": DAY.isoformat(),
        "submission_key": "a" * 32})
    callout = CallOut.objects.get(post=post)
    assert response["Location"] == reverse("workforce:callout", args=[callout.pk])
    phone = login("volunteer1")
    assert reverse("workforce:callout", args=[callout.pk]) in phone.get(reverse("workforce:mine")).content.decode()
    clock.advance(minutes=9)
    accepted = phone.post(reverse("workforce:callout", args=[callout.pk]), {"submission_key": "b" * 32}, follow=True)
    assert "早班" in accepted.content.decode() and post.name in accepted.content.decode()
    board = office.get(reverse("workforce:board")).context["board"]
    assert not any(r.post == post and c.shift == morning for r, c in board.gaps)
    assert any(r.post == post and c.shift.name == "夜班" for r, c in board.gaps)  # the night shift still is
    listing = office.get(reverse("workforce:callouts")).content.decode()
    assert "<td>9</td>" in listing  # minutes to fill
    # Someone else opening the link now is told the shift is taken.
    late = login("gate1").get(reverse("workforce:callout", args=[callout.pk])).content.decode()
    assert _taken(late)


@pytest.mark.django_db
def test_a_call_out_of_futong_is_not_found_for_another_community(login: Any, clock: Any) -> None:
    post, morning = delivery_post(needed=1), shifts()["早班"]
    callout = services.callout_create(actor=staff(), post=post, shift=morning, date=clock.local().date())
    assert login("outsider").get(reverse("workforce:callout", args=[callout.pk])).status_code == 404
    assert login("outsider").post(reverse("workforce:callout", args=[callout.pk])).status_code == 404
    assert CallOut.objects.get(pk=callout.pk).status == "open"


@pytest.mark.django_db
def test_the_api_accepts_once_and_answers_the_second_with_409(clock: Any) -> None:
    from django.test import Client

    post, morning = delivery_post(needed=1), shifts()["早班"]
    callout = services.callout_create(actor=staff(), post=post, shift=morning, date=clock.local().date())
    other = User.objects.get(username="gate1")  # a guard may be called out too
    first, second = Client(), Client()
    first.force_login(User.objects.get(username="volunteer1"))
    second.force_login(other)
    url = reverse("api:workforce_callout_accept", kwargs={"callout_id": callout.pk})
    won = first.post(url)
    assert won.status_code == 200 and won.json()["post"] == post.name
    assert first.post(url).json()["id"] == won.json()["id"]  # a retried accept: the same duty
    lost = second.post(url)
    assert lost.status_code == 409 and _taken(lost.json()["message"])
    assert Assignment.objects.filter(post=post).count() == 1
