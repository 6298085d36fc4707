"""Notices routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

Notices are written by the community's office (secretary, staff); its grid workers see the published
ones and tick the households of their own grid on the door-knock list; a resident sees those that
reach their household. outsider is staff of another community: lists open (their own rows), futong's
rows are a 404. The rows are made here through the services: a published notice for the whole of
futong with the anchor household (富通小区 9-2-502, grid 1) told in person, and a draft."""

from __future__ import annotations

import uuid
from typing import Any

from tests.test_authorization_matrix import ANON, Json, Write, api, like, only, refused

OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
FUTONG_OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 404}, 403)
KNOCKERS = only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200, "outsider": 200}, 403)
FUTONG_KNOCK = only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200, "outsider": 404}, 403)
MINE = only({ANON: 302, "resident1": 200}, 403)


def rows(w: Any) -> dict[str, Any]:
    if not hasattr(w, "notices_rows"):
        from shequ.accounts.models import User
        from shequ.notices import services

        staff, community = User.objects.get(username="staff"), w.household.community
        services.in_person_mark(actor=staff, household=w.household, reason="矩阵")
        published = services.notice_publish(actor=staff, notice=services.notice_create(
            actor=staff, community=community, kind="test_round", title="矩阵核酸通知", body="明天检测。"))
        draft = services.notice_create(actor=staff, community=community, kind="general", title="矩阵草稿",
                                       body="草稿。", units=[w.room.unit_id])
        w.notices_rows = {"published": published, "draft": draft}
    return w.notices_rows  # type: ignore[no-any-return]


def pk(name: str) -> Any:
    return lambda w: {"pk": rows(w)[name].pk}


def notice_id(name: str) -> Any:
    return lambda w: {"notice_id": rows(w)[name].pk}


ROUTES: dict[str, Any] = {
    "notices:list": (lambda w: {}, KNOCKERS),
    "notices:new": (lambda w: {}, OFFICE),
    "notices:notice": (pk("published"), FUTONG_KNOCK),
    "notices:edit": (pk("draft"), FUTONG_OFFICE),
    "notices:poster": (pk("published"), FUTONG_OFFICE),
    "notices:knock": (pk("published"), FUTONG_KNOCK),
    "notices:in_person": (lambda w: {}, OFFICE),
    "notices:mine": (lambda w: {}, MINE),
    "api:notices": (lambda w: {}, api(KNOCKERS)),
    "api:notices_knock_list": (notice_id("published"), api(FUTONG_KNOCK)),
    # POST only: a GET is refused before anything else.
    "api:notices_create": (lambda w: {}, only({}, 405)),
    "api:notices_publish": (notice_id("draft"), only({}, 405)),
    "api:notices_knock": (notice_id("published"), only({}, 405)),
}


def key() -> str:
    return uuid.uuid4().hex


def _create(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r in ("secretary", "staff"):
        return 302, True
    if r == "outsider":
        return refused(200)  # futong is not a community they may write for: a form error
    return refused(OFFICE(w, r))


def _publish(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r in ("secretary", "staff"):
        return 302, True
    if r in ("grid1", "grid2", "outsider"):
        return refused(404)  # a draft is the office's: not found for anyone else
    return refused(302 if r is ANON else 403)


def _knock(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r in ("secretary", "staff", "grid1"):
        return 302, True
    if r == "grid2":
        return refused(404)  # the anchor household is in grid 1
    return refused(FUTONG_KNOCK(w, r))


def _mark(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r in ("secretary", "staff"):
        return 302, True
    if r == "outsider":
        return refused(404)
    return refused(OFFICE(w, r))


def _other_household(w: Any) -> int:
    from shequ.registry.models import Household

    return Household.objects.filter(community=w.household.community, status="active").exclude(
        pk=w.household.pk).order_by("id").values_list("id", flat=True)[0]


def _api(rule: Any, ok: int) -> Any:
    def expect(w: Any, r: str | None) -> tuple[int, bool | str]:
        if r is ANON:
            return refused(401)
        status, writes = rule(w, r)
        return (ok, True) if writes else refused(403 if status in (200, 302) else status)
    return expect


def _api_create(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    return (201, True) if r in ("secretary", "staff") else refused(403)


def _api_publish(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    if r in ("secretary", "staff"):
        return 200, True
    return refused(404 if r == "outsider" else 403)


WRITES: dict[str, Write] = {
    "notices:new": Write(lambda w: {}, lambda w, f: {
        "community": w.household.community_id, "kind": "general", "title": "矩阵通知", "body": "矩阵正文。",
        "submission_key": key()}, _create),
    "notices:notice": Write(pk("draft"), lambda w, f: {"action": "publish", "submission_key": key()}, _publish),
    "notices:edit": Write(pk("draft"), lambda w, f: {
        **f.page(f"/notices/{rows(w)['draft'].pk}/edit/", with_field="title"), "title": "矩阵草稿二", "submission_key": key()},
        like(FUTONG_OFFICE)),
    "notices:knock": Write(pk("published"), lambda w, f: {
        "household": w.household.pk, "outcome": "told", "client_id": str(uuid.uuid4())}, _knock),
    "notices:in_person": Write(lambda w: {}, lambda w, f: {
        "action": "mark", "household": _other_household(w), "reason": "矩阵", "submission_key": key()}, _mark),
    "api:notices_create": Write(lambda w: {}, lambda w, f: Json({
        "client_id": str(uuid.uuid4()), "community_id": w.household.community_id, "title": "矩阵接口通知",
        "body": "矩阵。"}), _api_create),
    "api:notices_publish": Write(notice_id("draft"), lambda w, f: Json({}), _api_publish),
    "api:notices_knock": Write(notice_id("published"), lambda w, f: Json({
        "client_id": str(uuid.uuid4()), "household_id": w.household.pk, "outcome": "told"}), _api(_knock, 201)),
}

READS: dict[str, Any] = {
    "notices:list": None, "notices:mine": None, "notices:poster": 405, "api:notices": 405,
    "api:notices_knock_list": 405,
}
