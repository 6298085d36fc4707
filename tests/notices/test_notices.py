"""Notices: where a notice goes, publishing, the door-knock list (who is told in person, ticks once),
the WeChat texts and the poster, a resident's notices, and the pages' double submits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.notices import selectors, services
from shequ.notices.drafts import DRAFTS
from shequ.notices.models import InPerson, Knock, Notice
from shequ.registry.models import Building, Community, Household, Person, Unit

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


def _notice(users: Any, unit: Unit, **kw: Any) -> Notice:
    args = {"kind": "lockdown", "title": "关于9号楼2单元封控管理的通知", "body": "请居民居家，不出门。", "units": [unit.pk]}
    args.update(kw)
    return services.notice_create(actor=users["staff"], community=unit.community, **args)


def _people(household: Household, *, phone: str, born: dt.date | None) -> None:
    Person.objects.filter(household=household, status="active").update(phone=phone, birth_date=born)


@pytest.fixture
def unit(anchor_household: Any) -> Unit:
    return anchor_household.room.unit


def test_a_notice_reaches_the_households_of_the_places_it_names(users: Any, unit: Unit) -> None:
    notice = _notice(users, unit)
    expected = set(Household.objects.filter(room__unit=unit, status="active").values_list("id", flat=True))
    assert expected and set(selectors.reached(notice).values_list("id", flat=True)) == expected
    assert selectors.target_labels(notice) == ["富通小区 9号楼 2单元"]
    building = _notice(users, unit, units=[], buildings=[unit.building_id])
    assert set(selectors.reached(building).values_list("id", flat=True)) == set(
        Household.objects.filter(room__unit__building=unit.building, status="active").values_list("id", flat=True))
    whole = _notice(users, unit, units=[])
    assert selectors.reached(whole).count() == Household.objects.filter(community=unit.community,
                                                                        status="active").count()
    assert selectors.target_labels(whole) == ["全社区"]


def test_a_place_of_another_community_is_refused_naming_the_field(users: Any, unit: Unit) -> None:
    other = Building.objects.exclude(community=unit.community).first()
    assert other is not None
    with pytest.raises(ValidationError) as caught:
        _notice(users, unit, units=[], buildings=[other.pk])
    assert "buildings" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _notice(users, unit, title="  ", body="")
    assert set(caught.value.message_dict) == {"title", "body"}
    assert not Notice.objects.filter(community=unit.community).exists()


def test_publishing_is_once_and_refused_where_nobody_lives(users: Any, unit: Unit) -> None:
    notice = _notice(users, unit)
    first = services.notice_publish(actor=users["staff"], notice=notice)
    again = services.notice_publish(actor=users["staff"], notice=notice)
    assert first.published_at == again.published_at
    assert AuditEvent.objects.filter(object_type="notice", object_id=str(notice.pk),
                                     summary="published").count() == 1
    empty = Unit.objects.create(community=unit.community, building=unit.building, number="99")
    nobody = _notice(users, unit, units=[empty.pk])
    with pytest.raises(ValidationError):
        services.notice_publish(actor=users["staff"], notice=nobody)
    with pytest.raises(ValidationError):
        services.notice_update(actor=users["staff"], notice=first, kind="general", title="改", body="改")
    services.notice_withdraw(actor=users["staff"], notice=first)
    with pytest.raises(ValidationError):
        services.notice_publish(actor=users["staff"], notice=first)


def test_editing_a_draft_records_what_changed(users: Any, unit: Unit) -> None:
    notice = _notice(users, unit)
    services.notice_update(actor=users["staff"], notice=notice, kind="lockdown", title="新标题", body=notice.body,
                           units=[unit.pk], grids=[unit.building.grid_id])
    event = AuditEvent.objects.filter(object_type="notice", object_id=str(notice.pk)).order_by("-id").first()
    assert event is not None and event.before["title"] == "关于9号楼2单元封控管理的通知"
    assert event.after["title"] == "新标题" and event.after["grids"] == str(unit.building.grid_id)


def _four(unit: Unit) -> list[Household]:
    households = list(Household.objects.filter(room__unit=unit, status="active", persons__status="active")
                      .distinct().order_by("id")[:4])
    assert len(households) == 4
    return households


def test_the_door_knock_list_holds_the_households_told_in_person(users: Any, unit: Unit) -> None:
    for h in Household.objects.filter(room__unit=unit):
        _people(h, phone="13800000000", born=dt.date(1990, 1, 1))
    marked, no_phone, elderly, reached_by_phone = _four(unit)
    services.in_person_mark(actor=users["staff"], household=marked, reason="没有智能手机")
    _people(no_phone, phone="", born=dt.date(1990, 1, 1))
    _people(elderly, phone="13900000000", born=dt.date(1950, 5, 1))  # everyone 76
    notice = services.notice_publish(actor=users["staff"], notice=_notice(users, unit))
    rows = selectors.door_knock_list(_scope("staff"), notice, today=TODAY)
    assert {r.household_id: r.reason for r in rows} == {
        marked.pk: "没有智能手机", no_phone.pk: "无登记电话", elderly.pk: "全户70岁以上"}
    assert reached_by_phone.pk not in {r.household_id for r in rows}
    # Turning 70 counts on the birthday.
    _people(elderly, phone="13900000000", born=dt.date(1956, 12, 2))
    assert elderly.pk not in {r.household_id for r in selectors.door_knock_list(_scope("staff"), notice, today=TODAY)}
    _people(elderly, phone="13900000000", born=dt.date(1956, 12, 1))
    assert elderly.pk in {r.household_id for r in selectors.door_knock_list(_scope("staff"), notice, today=TODAY)}


def _scope(username: str) -> Any:
    from shequ.accounts.access import scope_for
    from shequ.accounts.models import User

    return scope_for(User.objects.get(username=username))


def test_told_is_final_and_a_retried_tick_records_once(users: Any, unit: Unit) -> None:
    household = _four(unit)[0]
    services.in_person_mark(actor=users["staff"], household=household)
    notice = services.notice_publish(actor=users["staff"], notice=_notice(users, unit))
    away = services.knock_record(actor=users["grid1"], notice=notice, household=household, outcome="not_home")
    assert away.outcome == "not_home"
    tick = uuid.uuid4()
    told = services.knock_record(actor=users["grid1"], notice=notice, household=household, outcome="told",
                                 client_id=tick)
    again = services.knock_record(actor=users["grid1"], notice=notice, household=household, outcome="told",
                                  client_id=tick)
    later = services.knock_record(actor=users["grid1"], notice=notice, household=household, outcome="not_home")
    assert told.pk == again.pk == later.pk == away.pk
    assert Knock.objects.get(pk=told.pk).outcome == "told"
    assert AuditEvent.objects.filter(object_type="knock", object_id=str(told.pk)).count() == 2
    outside = Household.objects.filter(community=unit.community, status="active").exclude(room__unit=unit).first()
    assert outside is not None
    with pytest.raises(ValidationError) as caught:
        services.knock_record(actor=users["grid1"], notice=notice, household=outside, outcome="told")
    assert "household" in caught.value.message_dict
    draft = _notice(users, unit)
    with pytest.raises(ValidationError):
        services.knock_record(actor=users["grid1"], notice=draft, household=household, outcome="told")


def test_a_grid_worker_sees_the_households_of_their_own_grid_only(users: Any, login: Any, anchor_household: Any,
                                                                   other_grid_household: Any) -> None:
    for h in (anchor_household, other_grid_household):
        services.in_person_mark(actor=users["staff"], household=h)
    notice = services.notice_publish(actor=users["staff"], notice=services.notice_create(
        actor=users["staff"], community=anchor_household.community, kind="test_round", title="核酸检测通知",
        body="明天上午八点在小区广场检测。"))
    mine = login("grid1").get(reverse("notices:knock", args=[notice.pk])).content.decode()
    theirs = login("grid2").get(reverse("notices:knock", args=[notice.pk])).content.decode()
    address, other = anchor_household.room.address, other_grid_household.room.address
    assert address in mine and other not in mine
    assert address not in theirs
    # A grid worker cannot tick a household of another grid: not found.
    response = login("grid2").post(reverse("notices:knock", args=[notice.pk]), {
        "household": anchor_household.pk, "outcome": "told", "client_id": str(uuid.uuid4())})
    assert response.status_code == 404
    # Drafts are nobody's business but the office's.
    draft = services.notice_create(actor=users["staff"], community=anchor_household.community, kind="general",
                                   title="草稿", body="草稿")
    assert login("grid1").get(reverse("notices:notice", args=[draft.pk])).status_code == 404


def test_a_resident_sees_the_notices_for_their_building(users: Any, login: Any, anchor_household: Any) -> None:
    ours = services.notice_publish(actor=users["staff"], notice=_notice(users, anchor_household.room.unit))
    elsewhere = Unit.objects.filter(community=anchor_household.community).exclude(
        building=anchor_household.room.unit.building).filter(rooms__households__status="active").first()
    assert elsewhere is not None
    theirs = services.notice_publish(actor=users["staff"], notice=_notice(
        users, anchor_household.room.unit, units=[elsewhere.pk], title="别的楼的通知"))
    page = login("resident1").get(reverse("notices:mine")).content.decode()
    assert ours.title in page and theirs.title not in page


def test_a_wechat_text_per_building_group_and_the_poster(users: Any, login: Any, unit: Unit, cjk_font: None) -> None:
    notice = services.notice_publish(actor=users["staff"], notice=_notice(users, unit, units=[], buildings=[
        unit.building_id], signed="富通社区居委会"))
    text = selectors.wechat_text(notice, unit.building)
    assert text.startswith("【通知】关于9号楼2单元封控管理的通知（富通小区 9号楼）\n\n请居民居家，不出门。\n\n富通社区居委会\n")
    published = notice.published_at
    assert published is not None and text.endswith(timezone.localtime(published).date().isoformat())
    client = login("staff")
    page = client.get(reverse("notices:notice", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "【通知】关于9号楼2单元封控管理的通知（富通小区 9号楼）" in page
    response = client.get(reverse("notices:poster", args=[notice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response.content.count(b"/Type /Page\n") >= 1
    long = services.notice_create(actor=users["staff"], community=unit.community, kind="general", title="长" * 80,
                                  body="很长的通知。" * 700)
    assert login("staff").get(reverse("notices:poster", args=[long.pk])).content.startswith(b"%PDF")


def test_the_drafts_and_a_double_submitted_form_make_one_notice(users: Any, login: Any, unit: Unit) -> None:
    client = login("staff")
    for draft in DRAFTS:
        page = client.get(reverse("notices:new") + f"?kind={draft.kind}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert str(draft.title) in page
    form = {"community": unit.community_id, "kind": "test_round", "title": "核酸检测通知", "body": "明天检测。",
            "units": [unit.pk], "submission_key": uuid.uuid4().hex}
    first = client.post(reverse("notices:new"), form)
    second = client.post(reverse("notices:new"), form)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Notice.objects.filter(community=unit.community, title="核酸检测通知").count() == 1


def test_the_api_creates_once_per_client_id_and_ticks_once(users: Any, login: Any, unit: Unit) -> None:
    household = _four(unit)[0]
    InPerson.objects.create(community=unit.community, household=household)
    client = login("staff")
    body = {"client_id": str(uuid.uuid4()), "community_id": unit.community_id, "kind": "supplies",
            "title": "物资配送安排", "body": "每天下午配送。", "unit_ids": [unit.pk]}
    first = client.post("/api/v1/notices/drafts", body, content_type="application/json")
    again = client.post("/api/v1/notices/drafts", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    notice_id = first.json()["id"]
    assert client.post(f"/api/v1/notices/{notice_id}/publish").json()["status"] == "published"
    rows = login("grid1").get(f"/api/v1/notices/{notice_id}/door-knock").json()
    assert household.pk in {r["household_id"] for r in rows}
    tick = {"client_id": str(uuid.uuid4()), "household_id": household.pk, "outcome": "told"}
    one = login("grid1").post(f"/api/v1/notices/{notice_id}/knocks", tick, content_type="application/json")
    two = login("grid1").post(f"/api/v1/notices/{notice_id}/knocks", tick, content_type="application/json")
    assert (one.status_code, two.status_code) == (201, 200)
    assert Knock.objects.filter(notice_id=notice_id).count() == 1
    bad = client.post("/api/v1/notices/drafts", {**body, "client_id": str(uuid.uuid4()), "unit_ids": [10**9]},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["message"].startswith("units:")
    assert Community.objects.filter(pk=unit.community_id).exists()
