"""Disinfection routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The board is the community's (secretary, staff), the property company's for its compounds
(property1 manages 富通小区, the anchor's compound) and the street office's; places are the
community's; the phone screen is the community's and the property company's. The rows are made
here through the services: a place of the anchor's compound and a round of it with a photo."""

from __future__ import annotations

import uuid
from typing import Any

from tests.test_authorization_matrix import ANON, Write, api, like, only, refused

BOARD = only({ANON: 302, "secretary": 200, "staff": 200, "property1": 200, "street": 200, "outsider": 200}, 403)
PLACES = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
RECORD = only({ANON: 302, "secretary": 200, "staff": 200, "property1": 200, "outsider": 200}, 403)


def _round_rule(w: Any, r: str | None) -> int:
    if r is ANON:
        return 302
    if r in ("secretary", "staff"):
        return 200
    if r == "property1":
        return 200 if w.compound.pk in w.property_compounds else 404
    if r == "street":
        from shequ.accounts.models import Membership

        street = Membership.objects.get(user__username="street").street_id
        return 200 if w.household.community.street_id == street else 404
    return 404 if r == "outsider" else 403


def rows(w: Any) -> Any:
    if not hasattr(w, "disinfection_rows"):
        from shequ.accounts.models import User
        from shequ.disinfection import services
        from tests.disinfection.facts import jpeg, place

        p = place(w.compound, "矩阵楼道")
        r, _created = services.round_record(actor=User.objects.get(username="staff"), place=p,
                                            client_id=uuid.uuid4(), agent="84消毒液", operator="矩阵",
                                            photo=jpeg(64, 48))
        w.disinfection_rows = {"place": p, "round": r}
    return w.disinfection_rows


def _round(w: Any) -> dict[str, Any]:
    return {"pk": rows(w)["round"].pk}


ROUTES: dict[str, Any] = {
    "disinfection:board": (lambda w: {}, BOARD),
    "disinfection:places": (lambda w: {}, PLACES),
    "disinfection:record": (lambda w: {}, RECORD),
    "disinfection:round": (_round, _round_rule),
    "disinfection:photo": (lambda w: {**_round(w), "size": "thumb"}, _round_rule),
    "api:disinfection_board": (lambda w: {}, api(BOARD)),
    # POST only: a GET is refused before anything else.
    "api:disinfection_rounds": (lambda w: {}, only({}, 405)),
}


def _remind(w: Any, r: str | None) -> tuple[int, bool | str]:
    # Yesterday the matrix's place had no round at all: 富通物业 was behind and is reminded. outsider
    # runs nanxincun, whose companies were not behind on places they do not have: nothing is sent.
    if r in ("secretary", "staff"):
        return 302, True
    if r == "outsider":
        return refused(302)
    return refused(403 if BOARD(w, r) == 200 else BOARD(w, r))


def _yesterday() -> str:
    import datetime as dt

    from django.utils import timezone

    from shequ.disinfection.selectors import local_day

    return (local_day(timezone.now()) - dt.timedelta(days=1)).isoformat()


def _places(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r == "outsider":
        return refused(200)  # futong's compound is not among theirs: the form says so
    return (302, True) if r in ("secretary", "staff") else refused(PLACES(w, r))


def _record(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r == "outsider":
        return refused(200)  # futong's place is not among their choices: the form says so
    return like(RECORD)(w, r)


def _api_round(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    status = _round_rule(w, r)
    if r == "street":
        return refused(403)
    return (201, True) if status == 200 else refused(status)


WRITES: dict[str, Write] = {
    "disinfection:board": Write(lambda w: {}, lambda w, f: (rows(w), {
        "action": "remind", "day": _yesterday(), "submission_key": uuid.uuid4().hex})[1], _remind),
    "disinfection:places": Write(lambda w: {}, lambda w, f: {
        "compound": str(w.compound.pk), "kind": "lift", "name": f"矩阵电梯{uuid.uuid4().int % 10**6:06d}", "target_per_day": "4",
        "submission_key": uuid.uuid4().hex}, _places),
    "disinfection:record": Write(lambda w: {}, lambda w, f: {
        "client_id": str(uuid.uuid4()), "place": str(rows(w)["place"].pk), "agent": "84消毒液",
        "concentration": "500mg/L", "operator": "矩阵"}, _record, table="disinfection_round"),  # its own ledger
    "api:disinfection_rounds": Write(lambda w: {}, lambda w, f: {
        "client_id": str(uuid.uuid4()), "place_id": str(rows(w)["place"].pk), "agent": "84消毒液", "operator": "矩阵"},
        _api_round, table="disinfection_round"),
}

READS: dict[str, Any] = {
    "disinfection:round": None, "disinfection:photo": 405, "api:disinfection_board": 405,
}
