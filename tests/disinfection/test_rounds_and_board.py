"""Rounds recorded once per client id (page, phone queue, API), the board's places behind against a
fixed clock, the secretary's reminder once a day per company, the property company's scope, and
a transferred household's home as a final-disinfection task until it is recorded."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from shequ.accounts.access import scope_for
from shequ.accounts.models import User
from shequ.alerts.models import Alert
from shequ.disinfection import selectors, services
from shequ.disinfection.models import Reminder, Round
from shequ.health import services as health
from shequ.health.models import HomeChecklist, TransferState
from shequ.registry.models import Compound, Person
from tests.disinfection.facts import jpeg, place

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=ZONE)


@pytest.fixture
def futong(anchor_household: Any) -> Compound:
    return anchor_household.room.unit.building.compound


@pytest.fixture
def other_compound(anchor_household: Any, futong: Compound) -> Compound:
    """A compound of the same community that property1's company does not manage."""
    return (Compound.objects.filter(community=futong.community).exclude(property_company=futong.property_company)
            .order_by("id").first())


def user(name: str) -> Any:
    return User.objects.get(username=name)


def record(p: Any, when: dt.datetime | None = None, client_id: uuid.UUID | None = None, **kw: Any) -> tuple[Round, bool]:
    return services.round_record(actor=user("property1"), place=p, client_id=client_id or uuid.uuid4(),
                                 agent="84消毒液", concentration="500mg/L", operator="王师傅", at=when, **kw)


def test_expected_rounds_spread_over_the_day() -> None:
    day = dt.date(2026, 3, 2)
    assert selectors.expected_by(5, day, at(0, 0)) == 0
    assert selectors.expected_by(5, day, at(4, 47)) == 0
    assert selectors.expected_by(5, day, at(4, 48)) == 1
    assert selectors.expected_by(5, day, at(12, 0)) == 2
    assert selectors.expected_by(5, day, at(23, 59)) == 4
    assert selectors.expected_by(5, day, at(0, 0, day=3)) == 5  # a day past: the whole target
    assert selectors.expected_by(5, dt.date(2026, 3, 3), at(12, 0)) == 0  # a day ahead


def test_a_round_sent_twice_with_one_client_id_is_recorded_once(clock: Any, futong: Compound) -> None:
    clock.set(at(9))
    p = place(futong)
    client_id = uuid.uuid4()
    first, created = record(p, client_id=client_id, photo=jpeg())
    again, created_again = record(p, client_id=client_id, photo=jpeg())
    assert created and not created_again and again.pk == first.pk
    assert Round.objects.filter(client_id=client_id).count() == 1


def test_the_phone_queue_resending_a_round_gets_the_first_one(clock: Any, futong: Compound, login: Any,
                                                              audit_log: Any) -> None:
    clock.set(at(9))
    p = place(futong)
    body = {"client_id": str(uuid.uuid4()), "place": str(p.pk), "agent": "84消毒液", "concentration": "500mg/L",
            "operator": "王师傅"}
    client = login("property1")
    first = client.post(reverse("disinfection:record"), {**body, "photo": jpeg()}, HTTP_X_REQUESTED_WITH="fetch")
    again = client.post(reverse("disinfection:record"), {**body, "photo": jpeg()}, HTTP_X_REQUESTED_WITH="fetch")
    assert (first.status_code, first.json()["created"]) == (201, "created")
    assert (again.status_code, again.json()) == (200, {"id": first.json()["id"], "created": "existing"})
    assert p.rounds.count() == 1
    assert [e.object_type for e in audit_log(action="create")] == ["place"]  # a round is its own ledger
    assert p.rounds.get().recorded_by.username == "property1"


def test_the_api_records_a_round_once_per_client_id(clock: Any, futong: Compound, login: Any) -> None:
    clock.set(at(9))
    p = place(futong)
    body = {"client_id": str(uuid.uuid4()), "place_id": str(p.pk), "agent": "84消毒液", "operator": "王师傅"}
    client = login("property1")
    first = client.post(reverse("api:disinfection_rounds"), {**body, "photo": jpeg()})
    again = client.post(reverse("api:disinfection_rounds"), body)
    assert first.status_code == 201 and first.json()["photo"] is True
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    refused = client.post(reverse("api:disinfection_rounds"), {**body, "client_id": str(uuid.uuid4()), "agent": ""})
    assert refused.status_code == 422
    assert p.rounds.count() == 1


def test_a_plain_form_round_is_recorded_once_and_a_late_resend_still_gets_the_first(clock: Any, futong: Compound,
                                                                                   login: Any) -> None:
    """A round without a photo comes as a plain form (the phone's queue); the unique client id
    answers a resend with nothing read first, also once the place is retired or the round is more
    than two days old by then; a client id of another place's round is refused."""
    from urllib.parse import urlencode

    clock.set(at(9))
    p, other = place(futong), place(futong, "2号楼楼道")
    body = {"client_id": str(uuid.uuid4()), "place_id": str(p.pk), "agent": "84消毒液", "operator": "王师傅"}
    def post(fields: dict[str, str]) -> Any:
        return login("property1").post(reverse("api:disinfection_rounds"), urlencode(fields),
                                       content_type="application/x-www-form-urlencoded")

    first = post(body)
    assert first.status_code == 201 and first.json()["photo"] is False
    services.place_update(actor=user("staff"), place=p, active=False)
    clock.set(at(9, day=5))
    again = post(body)
    assert (again.status_code, again.json()["id"], again.json()["created"]) == (200, first.json()["id"], "existing")
    assert post({**body, "client_id": str(uuid.uuid4())}).status_code == 422  # a new round of a retired place
    assert post({**body, "place_id": str(other.pk)}).status_code == 422  # the id is another place's round's
    assert Round.objects.count() == 1


def test_a_round_in_the_future_or_without_operator_is_refused(clock: Any, futong: Compound) -> None:
    from django.core.exceptions import ValidationError

    clock.set(at(9))
    p = place(futong)
    with pytest.raises(ValidationError) as caught:
        services.round_record(actor=user("property1"), place=p, client_id=uuid.uuid4(), agent="84", operator=" ",
                              at=at(11))
    assert set(caught.value.message_dict) == {"at", "operator"}


def test_the_board_shows_places_behind_per_property_company(clock: Any, futong: Compound, other_compound: Compound) -> None:
    clock.set(at(12))  # half the day: a place of 4 a day should have had 2
    mine, theirs = place(futong, target=4), place(other_compound, "北门", target=4, kind="gate")
    record(mine, at(6))
    record(theirs, at(6))
    record(theirs, at(11))
    rows = selectors.board(scope_for(user("staff")), day=dt.date(2026, 3, 2), now=clock())
    behind = {(r.company.name if r.company else None): [p.place.name for p in r.behind] for r in rows}
    assert behind[futong.property_company.name] == [mine.name]
    assert theirs.name not in sum(behind.values(), [])
    record(mine, at(11, 30))
    rows = selectors.board(scope_for(user("staff")), day=dt.date(2026, 3, 2), now=clock())
    assert not [p for r in rows for p in r.behind if p.place.pk in (mine.pk, theirs.pk)]


def test_the_property_company_sees_only_its_compounds(clock: Any, futong: Compound, other_compound: Compound,
                                                      login: Any) -> None:
    clock.set(at(12))
    mine, theirs = place(futong, target=4), place(other_compound, "北门", target=4, kind="gate")
    theirs_round, _ = services.round_record(actor=user("staff"), place=theirs, client_id=uuid.uuid4(), agent="84",
                                            operator="社区", at=at(8))
    scope = scope_for(user("property1"))
    seen = {p.place.pk for r in selectors.board(scope, day=dt.date(2026, 3, 2), now=clock()) for p in r.places}
    assert mine.pk in seen and theirs.pk not in seen
    client = login("property1")
    assert client.get(reverse("disinfection:round", args=[theirs_round.pk])).status_code == 404
    response = client.post(reverse("disinfection:record"), {
        "client_id": str(uuid.uuid4()), "place": str(theirs.pk), "agent": "84", "operator": "王师傅"})
    assert response.status_code == 200 and not theirs.rounds.filter(operator="王师傅").exists()  # not a choice
    page = client.get(reverse("disinfection:board")).content.decode()
    assert mine.name in page and "北门" not in page


def test_the_reminder_goes_once_a_day_to_each_company_behind(clock: Any, futong: Compound, login: Any) -> None:
    clock.set(at(12))
    place(futong, target=4)
    secretary = login("secretary")
    for _twice in range(2):
        response = secretary.post(reverse("disinfection:board"), {"action": "remind", "submission_key": uuid.uuid4().hex})
        assert response.status_code == 302
    [reminder] = Reminder.objects.filter(day=dt.date(2026, 3, 2))
    assert reminder.property_company_id == futong.property_company_id and reminder.places_behind >= 1
    page = login("property1").get(reverse("disinfection:record"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"The community reminds {futong.property_company.name}" in page
    home = login("property1").get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"The community reminds {futong.property_company.name}" in home and "behind today" in home
    assert login("property1").post(reverse("disinfection:board"), {"action": "remind"}).status_code == 403


def test_a_transferred_household_home_is_a_final_disinfection_task_until_recorded(
        clock: Any, anchor_household: Any, login: Any) -> None:
    clock.set(at(9))
    staff = user("staff")
    person = Person.objects.filter(household=anchor_household, status="active").order_by("id").first()
    [transfer] = health.transfer_request(actor=staff, persons=[person], destination="hospital", reason="确诊 转运")
    scope = scope_for(user("property1"))
    assert not selectors.final_tasks(scope)  # not picked up yet: the home is not left
    health.transfer_advance(actor=staff, transfer=transfer, to=TransferState.APPROVED)
    health.transfer_advance(actor=staff, transfer=transfer, to=TransferState.VEHICLE, vehicle="新A12345",
                            driver="王师傅", driver_phone="13900000000")
    checklist = HomeChecklist.objects.get(group=transfer.group)
    health.checklist_record(actor=staff, checklist=checklist, left=[], pets="", keys="邻居")
    health.transfer_advance(actor=staff, transfer=transfer, to=TransferState.PICKED_UP)
    [task] = selectors.final_tasks(scope)
    assert task.room.pk == anchor_household.room_id
    board = login("property1").get(reverse("disinfection:board")).content.decode()
    assert anchor_household.room.address in board and person.name not in board  # a place, not a person
    client_id = str(uuid.uuid4())
    body = {"client_id": client_id, "final": str(task.group), "agent": "过氧乙酸", "operator": "王师傅"}
    response = login("property1").post(reverse("disinfection:record") + f"?final={task.group}", body)
    assert response.status_code == 302
    again = login("property1").post(reverse("disinfection:record"), body, HTTP_X_REQUESTED_WITH="fetch")
    assert again.status_code == 200  # the queue resending after the task is done: the first round
    checklist.refresh_from_db()
    assert checklist.disinfected_at == at(9)
    assert not selectors.final_tasks(scope)
    assert Round.objects.filter(kind="final", room=anchor_household.room).count() == 1
    assert Alert.objects.filter(kind="disinfection_final_done").exists()
