"""Workforce routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The duty board, call-outs, volunteers' vetting, the poster and certificates are the community's
(secretary, staff); outsider is staff of another community: pages open on their own community,
futong's rows are a 404. A call-out's link opens for everyone who may be put on duty in futong
(secretary, staff, grid workers, the gate guard, the volunteer); "my shifts" for everyone who may be
put on duty anywhere. The sign-up form is public. The rows are made here through the services: a
delivery post, an open call-out of today's morning shift, and a pending sign-up."""

from __future__ import annotations

import uuid
from typing import Any

from tests.test_authorization_matrix import ANON, Json, Write, api, like, only, refused

OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
FUTONG_OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 404}, 403)
ON_DUTY = ("secretary", "staff", "grid1", "grid2", "gate1", "volunteer1")
OFFERED = only({ANON: 302, **{r: 200 for r in ON_DUTY}, "outsider": 404}, 403)
MINE = only({ANON: 302, **{r: 200 for r in ON_DUTY}, "outsider": 200}, 403)
PUBLIC = only({}, 200)


def rows(w: Any) -> dict[str, Any]:
    if not hasattr(w, "workforce_rows"):
        from django.utils import timezone

        from shequ.accounts.models import User
        from shequ.workforce import services
        from shequ.workforce.models import Post

        staff, community = User.objects.get(username="staff"), w.household.community
        post = services.post_create(actor=staff, community=community, kind=Post.Kind.DELIVERY, name="矩阵配送",
                                    needed=2)
        shift = services.shifts_ensure_default(community_id=community.pk)[0]
        callout = services.callout_create(actor=staff, post=post, shift=shift, date=timezone.localdate())
        signup, _new = services.volunteer_signup(community=community, name="矩阵志愿者", phone="13900009999")
        w.workforce_rows = {"post": post, "shift": shift, "callout": callout, "signup": signup,
                            "gate1": User.objects.get(username="gate1")}
    return w.workforce_rows


ROUTES: dict[str, Any] = {
    "workforce:board": (lambda w: {}, OFFICE),
    "workforce:callouts": (lambda w: {}, OFFICE),
    "workforce:callout": (lambda w: {"pk": rows(w)["callout"].pk}, OFFERED),
    "workforce:mine": (lambda w: {}, MINE),
    "workforce:volunteers": (lambda w: {}, OFFICE),
    "workforce:poster": (lambda w: {}, OFFICE),
    # gate1 has served the demo's shifts of yesterday at 富通小区 东门.
    "workforce:certificate": (lambda w: {"user_pk": rows(w)["gate1"].pk}, FUTONG_OFFICE),
    "workforce:join": (lambda w: {"code": w.household.community.code}, PUBLIC),
    "api:workforce_board": (lambda w: {}, api(OFFICE)),
    # POST only: a GET is refused before anything else.
    "api:workforce_callout_accept": (lambda w: {"callout_id": rows(w)["callout"].pk}, only({}, 405)),
}


def key() -> str:
    return uuid.uuid4().hex


def _futong_office_write(w: Any, r: str | None) -> tuple[int, bool | str]:
    """A write that names futong: the office writes, outsider finds no futong (404)."""
    status = FUTONG_OFFICE(w, r)
    return (302, True) if status == 200 else refused(status)


def _api_accept(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    status = OFFERED(w, r)
    return (200, True) if status == 200 else refused(status)


WRITES: dict[str, Write] = {
    "workforce:board": Write(lambda w: {}, lambda w, f: {
        "community": w.household.community_id, "kind": "sorting", "name": "矩阵分拣", "needed": "1",
        "submission_key": key()}, _futong_office_write),
    "workforce:callouts": Write(lambda w: {}, lambda w, f: {
        "community": w.household.community_id, "post": str(rows(w)["post"].pk), "shift": str(rows(w)["shift"].pk),
        "date": rows(w)["callout"].date.isoformat(), "submission_key": key()},
        # The same post, shift and day is the open call already there: only the form's once-only key.
        lambda w, r: (302, "core_submissionkey") if FUTONG_OFFICE(w, r) == 200 else refused(FUTONG_OFFICE(w, r))),
    "workforce:callout": Write(lambda w: {"pk": rows(w)["callout"].pk}, lambda w, f: {"submission_key": key()},
                               like(OFFERED)),
    "workforce:mine": Write(lambda w: {}, lambda w, f: {"temperature": "36.6", "submission_key": key()}, like(MINE)),
    "workforce:volunteers": Write(lambda w: {}, lambda w, f: {
        "community": w.household.community_id, "volunteer": str(rows(w)["signup"].pk), "action": "approve",
        "submission_key": key()}, _futong_office_write),
    "workforce:join": Write(lambda w: {"code": w.household.community.code}, lambda w, f: {
        "name": "矩阵报名", "phone": "13900008888", "submission_key": key()}, lambda w, r: (302, True)),
    "api:workforce_callout_accept": Write(lambda w: {"callout_id": rows(w)["callout"].pk}, lambda w, f: Json({}),
                                          _api_accept),
}

READS: dict[str, Any] = {
    "workforce:poster": 405, "workforce:certificate": 405, "api:workforce_board": 405,
}
