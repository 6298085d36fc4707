"""Help requests: the life cycle (open -> assigned -> steps -> resolved -> called back -> closed),
a distress request closed only after a call-back, double submits, the on-duty page for an urgent
request, the 30-minute and deadline flags (fixed clock), the ledger and its Excel, the resident's
own requests, and supplies' distress message opening one."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from shequ.alerts.models import Alert
from shequ.services import services
from shequ.services.models import HelpRequest, HelpStep

pytestmark = pytest.mark.django_db
# One-time form keys (core/submission.py: 32 hex digits); the same key twice is a double submit.
K1, K2, S1, S2, S3, S4, R1 = (uuid.uuid4().hex for _ in range(7))


@pytest.fixture
def futong(anchor_household: Any) -> Any:
    return anchor_household.community


@pytest.fixture
def nov12(clock: Any) -> Any:
    """2022-11-12 09:00 local: before any demo row."""
    clock.set_local(2022, 11, 12, 9, 0)
    return clock


def _open(users: Any, household: Any, **kwargs: Any) -> HelpRequest:
    params = {"category": "food", "text": "家里没菜了"} | kwargs
    return services.help_request_open(actor=users["staff"], community=household.community, household=household,
                                      **params)


def test_a_request_goes_from_open_to_closed_with_who_and_when_at_each_step(users: Any, anchor_household: Any,
                                                                          nov12: Any) -> None:
    item = _open(users, anchor_household, category="utilities", text="暖气不热，两个工人被困")
    assert item.status == "open" and item.grid_id == anchor_household.room.unit.building.grid_id
    nov12.advance(minutes=5)
    item = services.help_request_assign(actor=users["secretary"], help_request=item, handler=users["grid1"])
    assert (item.status, item.handler, item.assigned_at) == ("assigned", users["grid1"], nov12())
    nov12.advance(minutes=20)
    step = services.help_step_add(actor=users["grid1"], help_request=item, text="已联系供热公司")
    assert (step.by, step.at, step.community_id) == (users["grid1"], nov12(), item.community_id)
    nov12.advance(hours=2)
    item = services.help_request_resolve(actor=users["grid1"], help_request=item, outcome="供热工程师已修好")
    assert item.status == "resolved" and item.resolved_at == nov12()
    item = services.help_request_call_back(actor=users["staff"], help_request=item, satisfaction="satisfied",
                                           note="住户说暖气好了")
    assert (item.status, item.satisfaction, item.called_back_by) == ("called_back", "satisfied", users["staff"])
    item = services.help_request_close(actor=users["staff"], help_request=item)
    assert item.status == "closed" and item.closed_at == nov12()
    assert [s.text for s in item.steps.all()] == ["已联系供热公司"]


def test_it_refuses_to_close_an_unresolved_request_or_call_back_before_it_is_resolved(users: Any,
                                                                                     anchor_household: Any) -> None:
    item = _open(users, anchor_household)
    with pytest.raises(ValidationError):
        services.help_request_close(actor=users["staff"], help_request=item)
    with pytest.raises(ValidationError):
        services.help_request_call_back(actor=users["staff"], help_request=item, satisfaction="satisfied")


def test_a_distress_request_is_never_closed_without_a_call_back_that_reached_the_person(
        users: Any, anchor_household: Any) -> None:
    item = _open(users, anchor_household, category="psychological", text="不想活了", distress=True)
    assert item.urgency == "urgent"
    item = services.help_request_resolve(actor=users["staff"], help_request=item, outcome="书记上门谈心")
    with pytest.raises(ValidationError) as refused:
        services.help_request_close(actor=users["staff"], help_request=item)
    assert refused.value.code == "call_back_needed"
    item = services.help_request_call_back(actor=users["staff"], help_request=item, satisfaction="unreached")
    with pytest.raises(ValidationError) as refused:
        services.help_request_close(actor=users["staff"], help_request=item)
    assert refused.value.code == "call_back_needed"
    assert HelpRequest.objects.get(pk=item.pk).status == "called_back"


def test_a_plain_request_may_close_once_resolved(users: Any, anchor_household: Any) -> None:
    item = _open(users, anchor_household)
    services.help_request_resolve(actor=users["staff"], help_request=item, outcome="已送菜")
    assert services.help_request_close(actor=users["staff"], help_request=item).status == "closed"


def test_the_same_client_id_makes_one_request(users: Any, anchor_household: Any) -> None:
    client_id = uuid.uuid4()
    first = _open(users, anchor_household, client_id=client_id)
    again = _open(users, anchor_household, client_id=client_id)
    assert again.pk == first.pk and HelpRequest.objects.filter(client_id=client_id).count() == 1


def test_a_request_needs_an_address_or_a_place_and_what_is_needed(users: Any, futong: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        services.help_request_open(actor=users["staff"], community=futong, text="救命")
    assert "location" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        services.help_request_open(actor=users["staff"], community=futong, location="9号楼302", text="  ")
    assert "text" in raised.value.message_dict


def test_an_urgent_request_pages_the_staff_on_duty_and_a_normal_one_does_not(users: Any, anchor_household: Any,
                                                                             login: Any) -> None:
    before = Alert.objects.filter(kind="services_urgent").count()
    _open(users, anchor_household)
    assert Alert.objects.filter(kind="services_urgent").count() == before
    urgent = _open(users, anchor_household, category="medical", urgency="urgent", text="老人摔倒了，要送医院")
    alert = Alert.objects.get(kind="services_urgent", params__help_request=urgent.pk)
    assert list(alert.grids.values_list("id", flat=True)) == [anchor_household.room.unit.building.grid_id]
    assert "老人摔倒了" in login("secretary").get(reverse("alerts:list")).content.decode()


def test_no_handler_for_30_minutes_and_past_the_deadline_are_flagged_once(users: Any, anchor_household: Any,
                                                                          nov12: Any) -> None:
    food = _open(users, anchor_household, category="food")  # deadline 12 hours
    taken = _open(users, anchor_household, category="food")
    services.help_request_assign(actor=users["staff"], help_request=taken, handler=users["grid1"])
    nov12.advance(minutes=29)
    assert food.flags(nov12()) == [] and services.help_requests_flag(community_ids=[food.community_id]) == []
    nov12.advance(minutes=1)
    assert food.flags(nov12()) == ["unassigned"]
    assert [r.pk for r in services.help_requests_flag(community_ids=[food.community_id])] == [food.pk]
    assert services.help_requests_flag(community_ids=[food.community_id]) == []  # once
    assert Alert.objects.filter(kind="services_late", params__help_request=food.pk).count() == 1
    taken.refresh_from_db()
    assert taken.flags(nov12()) == []
    nov12.advance(hours=12)
    assert taken.flags(nov12()) == ["overdue"]
    assert [r.pk for r in services.help_requests_flag(community_ids=[food.community_id])] == [taken.pk]
    resolved = services.help_request_resolve(actor=users["staff"], help_request=taken, outcome="送到了")
    assert resolved.flags(nov12()) == []


def test_the_board_shows_the_flags_and_the_page_takes_a_call_once(users: Any, anchor_household: Any, login: Any,
                                                                  nov12: Any) -> None:
    _open(users, anchor_household, category="medicine", text="胰岛素没了")
    nov12.advance(minutes=45)
    client = login("staff")
    page = client.get(reverse("services:requests")).content.decode()
    assert "胰岛素没了" in page and "30" in page
    form = {"address": "富通小区9-2-502", "location": "", "contact": "业主 138", "category": "trapped",
            "urgency": "urgent", "source": "phone", "text": "两个装修工人被困，没有吃的", "submission_key": K1}
    first = client.post(reverse("services:requests"), form)
    again = client.post(reverse("services:requests"), form)
    assert first.status_code == 302 and again.status_code == 302
    made = HelpRequest.objects.filter(text="两个装修工人被困，没有吃的")
    assert made.count() == 1 and made.get().household == anchor_household and made.get().source == "phone"


def test_the_page_says_which_address_was_not_found(login: Any, anchor_household: Any) -> None:
    form = {"address": "富通小区99-9-999", "category": "food", "urgency": "normal", "source": "phone",
            "text": "要米", "submission_key": K2}
    page = login("staff").post(reverse("services:requests"), form)
    assert page.status_code == 200 and "富通小区99-9-999" in page.content.decode()
    assert not HelpRequest.objects.filter(text="要米").exists()


def test_the_request_page_walks_the_life_cycle(users: Any, anchor_household: Any, login: Any) -> None:
    item = _open(users, anchor_household)
    client = login("grid1")
    url = reverse("services:request", args=[item.pk])
    assert client.post(url, {"action": "step", "text": "已买菜", "submission_key": S1}).status_code == 302
    assert client.post(url, {"action": "step", "text": "已买菜", "submission_key": S1}).status_code == 302
    assert HelpStep.objects.filter(help_request=item).count() == 1  # a double submit is one step
    item.refresh_from_db()
    assert item.handler == users["grid1"] and item.status == "assigned"
    client.post(url, {"action": "resolve", "outcome": "菜已送到", "submission_key": S2})
    client.post(url, {"action": "callback", "satisfaction": "satisfied", "note": "", "submission_key": S3})
    client.post(url, {"action": "close", "submission_key": S4})
    item.refresh_from_db()
    assert item.status == "closed" and item.satisfaction == "satisfied"
    assert "菜已送到" in client.get(url).content.decode()


def test_the_ledger_counts_by_day_category_and_grid_with_the_services_rendered(users: Any, anchor_household: Any,
                                                                              other_grid_household: Any, login: Any,
                                                                              nov12: Any) -> None:
    a = _open(users, anchor_household, category="food")
    _open(users, anchor_household, category="food")
    nov12.advance(days=1)
    _open(users, other_grid_household, category="medicine")
    services.help_request_resolve(actor=users["staff"], help_request=a, outcome="送到")
    from shequ.accounts.access import scope_for
    from shequ.services.selectors import help_request_ledger

    ledger = help_request_ledger(scope_for(users["secretary"]), start=dt.date(2022, 11, 12), end=dt.date(2022, 11, 13))
    grid_a = anchor_household.room.unit.building.grid.name
    grid_b = other_grid_household.room.unit.building.grid.name
    assert [(r.day, r.grid, r.opened, r.rendered) for r in ledger.rows] == [
        (dt.date(2022, 11, 12), grid_a, 2, 1), (dt.date(2022, 11, 13), grid_b, 1, 0)]
    assert (ledger.opened, ledger.rendered) == (3, 1)
    client = login("secretary")
    page = client.get(reverse("services:ledger"), {"start": "2022-11-12", "end": "2022-11-13"}).content.decode()
    assert 'id="ledger-rendered">1<' in page
    sheet = client.get(reverse("services:ledger_xlsx"), {"start": "2022-11-12", "end": "2022-11-13"})
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "2022-11-12" and rows[1][3:] == (2, 1) and rows[-1][3:] == (3, 1)


def test_a_resident_opens_and_sees_only_their_own_requests(users: Any, anchor_household: Any,
                                                          other_grid_household: Any, login: Any) -> None:
    _open(users, other_grid_household, text="别人家的求助")
    client = login("resident1")
    form = {"category": "medicine", "urgent": "on", "text": "降压药快吃完了", "submission_key": R1}
    assert client.post(reverse("services:mine"), form).status_code == 302
    assert client.post(reverse("services:mine"), form).status_code == 302
    own = HelpRequest.objects.get(text="降压药快吃完了")
    assert own.household == anchor_household and own.source == "resident" and own.urgency == "urgent"
    page = client.get(reverse("services:mine")).content.decode()
    assert "降压药快吃完了" in page and "别人家的求助" not in page
    assert client.get(reverse("services:request", args=[own.pk])).status_code == 403


def test_a_distress_message_in_the_inbox_opens_an_urgent_request_that_alerts_once(users: Any, futong: Any,
                                                                                 login: Any) -> None:
    from shequ.supplies import services as supplies

    before = Alert.objects.filter(kind__in=["supplies_distress", "services_urgent"]).count()
    stored = supplies.paste_messages(actor=users["staff"], community=futong, paste="无名: 我不想活了")
    item = stored[0].help_request
    assert (item.distress, item.urgency, item.category, item.source, item.status) == (
        True, "urgent", "psychological", "wechat", "open")
    # One alert, supplies' own ("wrote words of distress in the group"): services does not page again.
    assert Alert.objects.filter(kind__in=["supplies_distress", "services_urgent"]).count() == before + 1
    assert Alert.objects.filter(kind="supplies_distress", params__help_request=item.pk).exists()
    client = login("secretary")
    assert "我不想活了" in client.get(reverse("alerts:list")).content.decode()
    assert reverse("services:request", args=[item.pk]) in client.get(reverse("supplies:inbox")).content.decode()
