"""Permits (通行许可): granted by staff, requested at a gate and approved or refused by the office,
revoked; what the services refuse, what they audit, the alert of a request; the office's pages on a
phone, double submits and scoping. What the gates do with a permit: tests/gates/test_permits_at_gate.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from shequ.alerts.models import Alert
from shequ.audit.models import AuditEvent
from shequ.containment import services
from shequ.containment.alert_kinds import PERMIT_REQUESTED
from shequ.containment.models import Permit
from shequ.core.submission import new_key
from shequ.registry.models import Household, Person, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LOCAL = "%Y-%m-%dT%H:%M"
HOUR = dt.timedelta(hours=1)


def _resident(household: Household) -> Person:
    return household.persons.filter(status="active").order_by("id").first()


def _events(permit: Permit) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="permit", object_id=str(permit.pk)).order_by("id"))


def _request(person: Person, users: dict[str, Any], *, hours: int = 2) -> Permit:
    now = timezone.now()
    return services.permit_request(actor=users["gate1"], place=person.household.room, reason="去医院（透析），家属陪同",
                                   starts_at=now, ends_at=now + hours * HOUR, person=person, where="富通小区 东门")


# -- the services --------------------------------------------------------------------------------


def test_staff_grant_a_permit_approved_by_themselves_and_audited(anchor_household: Household,
                                                                   users: dict[str, Any]) -> None:
    person = _resident(anchor_household)
    now = timezone.now()
    permit = services.permit_grant(actor=users["staff"], place=person.household.room.unit, reason="供暖维修",
                                   ends_at=now + 4 * HOUR, person=person)
    assert permit.status == Permit.Status.APPROVED and permit.decided_by == users["staff"]
    assert permit.in_force(now + HOUR) and not permit.in_force(now + 5 * HOUR)
    assert permit.approver == (users["staff"].first_name or "staff")
    [event] = _events(permit)
    assert event.action == AuditEvent.Action.CREATE and event.actor == users["staff"]
    assert "granted" in event.summary and f"person={person.pk}" in event.summary


@pytest.mark.parametrize(("change", "field"), [
    ({"ends_at": None}, "ends_at"),
    ({"ends_at": -HOUR}, "ends_at"),  # in the past
    ({"ends_at": 32 * 24 * HOUR}, "ends_at"),  # longer than 31 days
    ({"reason": "  "}, "reason"),
    ({"reason": "长" * 201}, "reason"),
    ({"place": "elsewhere"}, "place"),  # a unit that is not where the person lives
])
def test_what_a_permit_grant_refuses_names_the_field(anchor_household: Household, users: dict[str, Any],
                                                     change: dict[str, Any], field: str) -> None:
    person = _resident(anchor_household)
    now = timezone.now()
    room = person.household.room
    args: dict[str, Any] = {"place": room, "reason": "供暖维修", "ends_at": now + HOUR}
    if "ends_at" in change:
        args["ends_at"] = None if change["ends_at"] is None else now + change["ends_at"]
    if "reason" in change:
        args["reason"] = change["reason"]
    if change.get("place") == "elsewhere":
        args["place"] = Unit.objects.filter(building=room.unit.building).exclude(pk=room.unit_id).first()
    before = Permit.objects.count()
    with pytest.raises(ValidationError) as e:
        services.permit_grant(actor=users["staff"], person=person, **args)
    assert field in e.value.message_dict
    assert Permit.objects.count() == before


def test_a_visitors_permit_needs_a_name_and_a_phone_and_keeps_the_phone_normalized(
        anchor_household: Household, users: dict[str, Any]) -> None:
    room = anchor_household.room
    end = timezone.now() + HOUR
    with pytest.raises(ValidationError) as e:
        services.permit_grant(actor=users["staff"], place=room, reason="上门诊疗", ends_at=end, visitor_name="",
                              visitor_phone="12")
    assert set(e.value.message_dict) == {"visitor_name", "visitor_phone"}
    permit = services.permit_grant(actor=users["staff"], place=room, reason="上门诊疗", ends_at=end,
                                   visitor_name="李医生", visitor_phone="139 0715 0001")
    assert (permit.visitor_phone, permit.person_id, permit.is_visitor) == ("13907150001", None, True)


def test_a_request_from_a_gate_alerts_the_office_and_is_not_in_force(anchor_household: Household,
                                                                     users: dict[str, Any]) -> None:
    person = _resident(anchor_household)
    permit = _request(person, users)
    assert permit.status == Permit.Status.REQUESTED and not permit.in_force(timezone.now())
    assert (permit.requested_by, permit.requested_where) == (users["gate1"], "富通小区 东门")
    alert = Alert.objects.get(kind=PERMIT_REQUESTED.code, acknowledged_at__isnull=True)
    assert alert.params["permit"] == permit.pk and alert.url == reverse("containment:permit", args=[permit.pk])
    assert permit.reason == "去医院（透析），家属陪同"  # as typed: full-width punctuation stays
    assert "富通小区 东门" in alert.message and "去医院（透析）" in alert.message and person.name not in alert.message
    [event] = _events(permit)
    assert "requested" in event.summary and event.actor == users["gate1"]


def test_approving_a_request_puts_it_in_force_and_settles_its_alert(anchor_household: Household,
                                                                    users: dict[str, Any]) -> None:
    permit = _request(_resident(anchor_household), users)
    later = timezone.now() + 3 * HOUR
    approved = services.permit_approve(actor=users["secretary"], permit=permit, ends_at=later)
    assert approved.status == Permit.Status.APPROVED and approved.ends_at == later
    assert approved.decided_by == users["secretary"] and approved.in_force(timezone.now())
    alert = Alert.objects.get(kind=PERMIT_REQUESTED.code, params__permit=permit.pk)
    assert alert.acknowledged_by == users["secretary"]
    assert [e.summary.split(":")[0] for e in _events(permit)] == ["permit requested", "permit approved"]
    # A second decision (another phone, a moment later) is refused, saying who decided.
    with translation.override("en"), pytest.raises(ValidationError) as e:
        services.permit_refuse(actor=users["staff"], permit=permit, note="不行")
    assert e.value.messages == [f"This request was already decided: approved by {approved.approver}."]
    assert Permit.objects.get(pk=permit.pk).status == Permit.Status.APPROVED


def test_refusing_a_request_keeps_the_note_for_the_guard(anchor_household: Household, users: dict[str, Any]) -> None:
    permit = _request(_resident(anchor_household), users)
    refused = services.permit_refuse(actor=users["staff"], permit=permit, note="请拨打120")
    assert (refused.status, refused.decision_note, refused.decided_by) == (Permit.Status.REFUSED, "请拨打120",
                                                                         users["staff"])
    assert not refused.in_force(timezone.now())
    assert Alert.objects.get(kind=PERMIT_REQUESTED.code, params__permit=permit.pk).acknowledged_at is not None
    with pytest.raises(ValidationError):
        services.permit_approve(actor=users["secretary"], permit=permit)


def test_revoking_ends_a_permit_at_once_and_twice_changes_nothing(anchor_household: Household,
                                                                  users: dict[str, Any]) -> None:
    person = _resident(anchor_household)
    permit = services.permit_grant(actor=users["staff"], place=person.household.room, reason="就医",
                                   ends_at=timezone.now() + 4 * HOUR, person=person)
    revoked = services.permit_revoke(actor=users["secretary"], permit=permit)
    assert revoked.status == Permit.Status.REVOKED and revoked.revoked_by == users["secretary"]
    assert not revoked.in_force(timezone.now())
    again = services.permit_revoke(actor=users["staff"], permit=permit)
    assert again.revoked_by == users["secretary"]
    assert [("revoked" in e.summary) for e in _events(permit)] == [False, True]


# -- the office's pages ----------------------------------------------------------------------------


def _post_permit(client: Any, permit: Permit, action: str, **fields: Any) -> Any:
    data = {"submission_key": new_key(), "action": action} | fields
    return client.post(reverse("containment:permit", args=[permit.pk]), data, **EN)


def test_the_office_approves_a_request_on_its_phone_once(login: Any, anchor_household: Household,
                                                         users: dict[str, Any]) -> None:
    permit = _request(_resident(anchor_household), users)
    client = login("secretary")
    page = client.get(reverse("containment:permit", args=[permit.pk]), **EN).content.decode()
    assert "Waiting for your decision" in page and "Approve" in page and "Refuse" in page and "去医院（透析）" in page
    assert reverse("containment:permit", args=[permit.pk]) in client.get(reverse("alerts:list")).content.decode()
    key = new_key()
    end = timezone.localtime(timezone.now() + 5 * HOUR).strftime(LOCAL)
    first = _post_permit(client, permit, "approve", ends_at=end, submission_key=key)
    second = _post_permit(client, permit, "approve", ends_at=end, submission_key=key)  # a double tap
    assert first.status_code == second.status_code == 302
    permit.refresh_from_db()
    assert permit.status == Permit.Status.APPROVED and permit.decided_by == users["secretary"]
    assert timezone.localtime(permit.ends_at).strftime(LOCAL) == end
    assert len([e for e in _events(permit) if "approved" in e.summary]) == 1
    page = client.get(reverse("containment:permit", args=[permit.pk]), **EN).content.decode()
    assert "In force now" in page and "End now" in page


def test_a_late_second_decision_is_told_who_decided(login: Any, anchor_household: Household,
                                                    users: dict[str, Any]) -> None:
    permit = _request(_resident(anchor_household), users)
    services.permit_refuse(actor=users["staff"], permit=permit, note="")
    response = _post_permit(login("secretary"), permit, "approve", ends_at="")
    assert response.status_code == 200
    assert "This request was already decided: refused by " in response.content.decode()


def test_granting_a_visitor_a_permit_on_the_page(login: Any, anchor_household: Household,
                                                 users: dict[str, Any]) -> None:
    client = login("staff")
    end = timezone.localtime(timezone.now() + 3 * HOUR).strftime(LOCAL)
    data = {"submission_key": new_key(), "visitor_name": "王师傅", "visitor_phone": "13907150466",
            "host": "富通小区9-2-502", "scope": "unit", "starts_at": "", "ends_at": end, "reason": "供暖维修"}
    response = client.post(reverse("containment:permit_new"), data, **EN)
    assert response.status_code == 302
    permit = Permit.objects.get(visitor_phone="13907150466", reason="供暖维修")
    assert permit.unit_id == anchor_household.room.unit_id and permit.decided_by == users["staff"]
    assert response["Location"] == reverse("containment:permit", args=[permit.pk])


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"host": "9-9-999"}, "host", "No household lives at"),
    ({"visitor_phone": "12345"}, "visitor_phone", ""),
    ({"ends_at": ""}, "ends_at", "A permit needs an end."),
    ({"reason": "长" * 201}, "reason", "at most 200 characters (it has 201)"),
])
def test_bad_permit_input_names_the_field_and_keeps_the_rest(login: Any, fields: dict[str, str], field: str,
                                                             message: str) -> None:
    end = timezone.localtime(timezone.now() + 3 * HOUR).strftime(LOCAL)
    data = {"submission_key": new_key(), "visitor_name": "王师傅", "visitor_phone": "13907150466",
            "host": "富通小区9-2-502", "scope": "room", "starts_at": "", "ends_at": end, "reason": "供暖维修"} | fields
    before = Permit.objects.count()
    response = login("staff").post(reverse("containment:permit_new"), data, **EN)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field] and message in " ".join(form.errors[field])
    assert form["visitor_name"].value() == "王师傅" and form["visitor_phone"].value() == data["visitor_phone"]
    assert Permit.objects.count() == before


def test_granting_a_resident_a_permit_from_their_containment_page(login: Any, anchor_household: Household) -> None:
    person = _resident(anchor_household)
    client = login("secretary")
    page = client.get(reverse("containment:person", args=[person.pk]), **EN).content.decode()
    assert f"{reverse('containment:permit_new')}?person={person.pk}" in page
    end = timezone.localtime(timezone.now() + 3 * HOUR).strftime(LOCAL)
    response = client.post(f"{reverse('containment:permit_new')}?person={person.pk}",
                           {"submission_key": new_key(), "scope": "building", "starts_at": "", "ends_at": end,
                            "reason": "住院"}, **EN)
    assert response.status_code == 302
    permit = Permit.objects.get(person=person, reason="住院")
    assert permit.building_id == person.household.room.unit.building_id
    assert "住院" in client.get(reverse("containment:person", args=[person.pk]), **EN).content.decode()


def test_revoking_on_the_page(login: Any, anchor_household: Household, users: dict[str, Any]) -> None:
    person = _resident(anchor_household)
    permit = services.permit_grant(actor=users["staff"], place=person.household.room, reason="就医",
                                   ends_at=timezone.now() + 4 * HOUR, person=person)
    assert _post_permit(login("staff"), permit, "revoke").status_code == 302
    permit.refresh_from_db()
    assert permit.status == Permit.Status.REVOKED and not permit.in_force(timezone.now())


def test_the_permit_list_shows_requests_first(login: Any, anchor_household: Household, users: dict[str, Any]) -> None:
    permit = _request(_resident(anchor_household), users)
    page = login("staff").get(reverse("containment:permits"), **EN).content.decode()
    assert page.index("Requests from the gates") < page.index("去医院（透析）") < page.index("In force now")
    assert reverse("containment:permit", args=[permit.pk]) in page


def test_other_communities_and_roles_cannot_see_or_decide(login: Any, anchor_household: Household,
                                                          users: dict[str, Any]) -> None:
    permit = _request(_resident(anchor_household), users)
    url = reverse("containment:permit", args=[permit.pk])
    assert login("outsider").get(url).status_code == 404
    assert _post_permit(login("outsider"), permit, "approve", ends_at="").status_code == 404
    for role in ("grid1", "gate1", "resident1"):
        assert login(role).get(url).status_code == 403
        assert _post_permit(login(role), permit, "approve", ends_at="").status_code == 403
    permit.refresh_from_db()
    assert permit.status == Permit.Status.REQUESTED
    assert url not in login("outsider").get(reverse("containment:permits")).content.decode()


def test_a_permit_whose_guard_and_approver_accounts_are_gone_still_opens(login: Any, anchor_household: Household,
                                                                         users: dict[str, Any]) -> None:
    """requested_by and decided_by are SET_NULL: the permit pages and the alerts page name nobody
    ("—") instead of failing on a missing account."""
    permit = _request(_resident(anchor_household), users)
    services.permit_approve(actor=users["staff"], permit=permit, ends_at=permit.ends_at)
    Permit.objects.filter(pk=permit.pk).update(requested_by=None, decided_by=None)
    Alert.objects.filter(kind=PERMIT_REQUESTED.code, params__permit=permit.pk).update(acknowledged_by=None)
    client = login("secretary")
    page = client.get(reverse("containment:permit", args=[permit.pk]), **EN)
    assert page.status_code == 200 and "—" in page.content.decode()
    assert client.get(reverse("containment:permits"), **EN).status_code == 200
    listed = client.get(reverse("alerts:list"), {"all": "1"}, **EN)
    assert listed.status_code == 200 and "Acknowledged at" in listed.content.decode()
