"""Volunteer sign-up from the QR poster, vetting, hours served and the certificate of service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from shequ.accounts.models import Membership, User
from shequ.audit.models import AuditEvent
from shequ.workforce import selectors, services
from shequ.workforce.models import Volunteer
from tests.workforce.helpers import delivery_post, futong, shifts, staff

pytestmark = pytest.mark.django_db


def _signup(client: Any, **values: Any) -> Any:
    data = {"name": "王小明", "phone": "139 0000 3333", "skills": ["driver", "sign_language"],
            "languages": "粤语", "availability": "周末全天", "submission_key": "c" * 32, **values}
    return client.post(reverse("workforce:join", args=["futong"]), data)


def test_a_sign_up_from_the_poster_is_kept_once_even_when_sent_twice(client: Any) -> None:
    page = client.get(reverse("workforce:join", args=["futong"]))
    assert page.status_code == 200 and futong().name in page.content.decode()
    first = _signup(client)
    again = _signup(client)  # a double tap: the same form
    back = _signup(client, submission_key="d" * 32)  # "back" and send a fresh form: the same phone
    assert first.status_code == again.status_code == back.status_code == 302
    volunteer = Volunteer.objects.get(community=futong())
    assert (volunteer.name, volunteer.phone, volunteer.skills, volunteer.status) == (
        "王小明", "13900003333", ["driver", "sign_language"], "pending")
    assert AuditEvent.objects.filter(object_type="volunteer", object_id=str(volunteer.pk)).count() == 1


def test_a_bad_phone_is_refused_naming_the_field_and_nothing_is_kept(client: Any) -> None:
    response = _signup(client, phone="12345")
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not Volunteer.objects.exists()
    assert client.get(reverse("workforce:join", args=["nowhere"])).status_code == 404


def test_approving_gives_a_volunteer_account_once_and_refusing_keeps_the_record(login: Any) -> None:
    signup, _new = services.volunteer_signup(community=futong(), name="王小明", phone="13900003333")
    other, _new = services.volunteer_signup(community=futong(), name="赵不行", phone="13900004444")
    office = login("staff")
    page = office.get(reverse("workforce:volunteers"))
    assert "139****3333" in page.content.decode() and "13900003333" not in page.content.decode()
    data = {"community": futong().pk, "volunteer": signup.pk, "action": "approve", "submission_key": "e" * 32}
    approved = office.post(reverse("workforce:volunteers"), data)
    assert approved["Location"] == reverse("accounts:slips")
    office.post(reverse("workforce:volunteers"), {**data, "submission_key": "f" * 32})  # approve again
    signup.refresh_from_db()
    assert signup.status == "approved" and signup.user is not None
    assert list(Membership.objects.filter(user=signup.user).values_list("role", "community_id")) == [
        ("volunteer", futong().pk)]
    assert User.objects.filter(first_name="王小明").count() == 1
    office.post(reverse("workforce:volunteers"), {"community": futong().pk, "volunteer": other.pk,
                                                  "action": "refuse", "submission_key": "a" * 32})
    other.refresh_from_db()
    assert other.status == "refused" and other.user is None
    # Another community's staff finds neither.
    assert login("outsider").post(reverse("workforce:volunteers"), {**data, "submission_key": "b" * 32}
                                  ).status_code == 404


def test_hours_count_shifts_that_have_ended_and_the_certificate_is_a_pdf(login: Any, clock: Any, cjk_font: None
                                                                        ) -> None:
    clock.set_local(2022, 4, 6, 12, 0)
    post, s = delivery_post(needed=1), shifts()
    volunteer1 = User.objects.get(username="volunteer1")
    for day, name in ((dt.date(2022, 4, 5), "中班"), (dt.date(2022, 4, 5), "夜班"), (dt.date(2022, 4, 6), "早班"),
                      (dt.date(2022, 4, 6), "中班")):
        services.assignment_create(actor=staff(), post=post, shift=s[name], date=day, user=volunteer1)
    scope_page = login("staff").get(reverse("workforce:volunteers"))
    served = {x.user.username: x for x in scope_page.context["served"]}
    # 16-24 and 00-08 of the 5th have ended; the morning of the 6th runs until 16:00; the evening is ahead.
    assert (served["volunteer1"].hours, served["volunteer1"].shifts) == (16.0, 4)
    clock.set_local(2022, 4, 7, 1, 0)
    assert selectors.hours(list(volunteer1.assignments.select_related("shift")), clock()) == 32.0
    response = login("staff").get(reverse("workforce:certificate", args=[volunteer1.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert login("outsider").get(reverse("workforce:certificate", args=[volunteer1.pk])).status_code == 404
    # A volunteer sees their own shifts and hours on their page, nobody else's.
    mine = login("volunteer1").get(reverse("workforce:mine"))
    assert mine.status_code == 200 and list(mine.context["duties"]) == []  # all of them are before today
    clock.set_local(2022, 4, 6, 12, 0)
    mine = login("volunteer1").get(reverse("workforce:mine"))
    assert [d.shift.name for d in mine.context["duties"]] == ["早班", "中班"]
    assert {d.user_id for d in mine.context["duties"]} == {volunteer1.pk}
    assert {d.user_id for d in login("gate1").get(reverse("workforce:mine")).context["duties"]} == {
        User.objects.get(username="gate1").pk}


def test_the_poster_is_a_pdf_with_the_sign_up_link(login: Any, cjk_font: None) -> None:
    response = login("secretary").get(reverse("workforce:poster"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert login("volunteer1").get(reverse("workforce:poster")).status_code == 403


def test_a_volunteer_declares_the_day_temperature(login: Any, clock: Any) -> None:
    phone = login("volunteer1")
    bad = phone.post(reverse("workforce:mine"), {"temperature": "abc", "submission_key": "a" * 32})
    assert bad.status_code == 200 and "temperature" in bad.context["form"].errors
    phone.post(reverse("workforce:mine"), {"temperature": "37.8", "submission_key": "b" * 32})
    page = phone.get(reverse("workforce:mine")).content.decode()
    assert "37.8" in page and ("fever" in page or "发热" in page)
