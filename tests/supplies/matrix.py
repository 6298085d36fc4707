"""Supplies routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The inbox, shops, purchase lists and making runs are the community's (secretary, staff); orders are
seen by the community, the grid worker of the household's grid and (their own) the resident; a
run by the community, the grid worker of its grid and its courier. outsider is staff of another
community: lists open (their own rows), futong's rows are a 404. The rows are made here through the
services, for the anchor household (富通小区 9-2-502, grid 1), with volunteer1 as the run's courier."""

from __future__ import annotations

import uuid
from typing import Any

from tests.test_authorization_matrix import ANON, READ_AS_POST, Json, Write, like, only, refused

OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
FUTONG_OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 404}, 403)
ORDERS = only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200, "outsider": 200}, 403)


def _in_grid(w: Any, r: str | None) -> int:
    if r is ANON:
        return 302
    if r in ("secretary", "staff"):
        return 200
    if r in ("grid1", "grid2"):
        return 200 if w.in_grid(r) else 404
    return 404 if r == "outsider" else 403


RUNS = only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200, "volunteer1": 200,
             "outsider": 200}, 403)


def _run_rule(w: Any, r: str | None) -> int:
    if r == "volunteer1":
        return 200  # the courier
    if r in ("grid1", "grid2"):
        return 200 if w.in_grid(r) else 404  # the run's grid is the anchor's
    return _in_grid(w, r)


MINE = only({ANON: 302, "resident1": 200}, 403)


def _staff() -> Any:
    from shequ.accounts.models import User

    return User.objects.get(username="staff")


def rows(w: Any) -> Any:
    """A message, a help request, a received order, a confirmed one, a packed one and a run that is
    out with one order, made once per world."""
    if not hasattr(w, "supplies_rows"):
        from shequ.accounts.models import User
        from shequ.supplies import services

        staff, community = _staff(), w.household.community
        message, distress = services.paste_messages(
            actor=staff, community=community, paste="张嫂子: 富通小区9-2-502 面粉5斤\n\n无名: 我不想活了")
        help_request = distress.help_request
        item = [{"name": "矩阵米", "quantity": 1, "unit": "袋"}]

        def order(to: str) -> Any:
            o = services.order_create(actor=staff, household=w.household, kind="order", urgent=False, items=item,
                                      source="phone")
            for step in ("confirmed", "purchased", "packed")[: ("received", "confirmed", "purchased",
                                                                "packed").index(to)]:
                o = services.order_advance(actor=staff, order=o, to=step)
            return o

        received, confirmed, packed, on_run = order("received"), order("confirmed"), order("packed"), order("packed")
        run = services.run_create(actor=staff, community=community, courier=User.objects.get(username="volunteer1"),
                                  orders=[on_run], courier_roles={"volunteer"})
        services.run_start(actor=staff, run=run)
        on_run.refresh_from_db()
        from django.db.models import Count

        from shequ.registry.models import Compound

        smallest = (Compound.objects.filter(community=community)
                    .annotate(n=Count("buildings__units__rooms__households")).order_by("n", "id").first())
        pack = services.distribution_create(actor=staff, community=community, name="矩阵保供包", contents="米 油",
                                            compound_id=smallest.pk)
        w.supplies_rows = {"pack": pack, "message": message, "help": help_request, "received": received, "confirmed": confirmed,
                           "packed": packed, "run": run, "on_run": on_run}
    return w.supplies_rows


def pk(name: str) -> Any:
    return lambda w: {"pk": rows(w)[name].pk}


ROUTES: dict[str, Any] = {
    "supplies:inbox": (lambda w: {}, OFFICE),
    "supplies:message": (pk("message"), FUTONG_OFFICE),
    "supplies:orders": (lambda w: {}, ORDERS),
    "supplies:order": (pk("received"), _in_grid),
    "supplies:order_new": (lambda w: {"household_pk": w.household.pk}, _in_grid),
    "supplies:shops": (lambda w: {}, OFFICE),
    "supplies:purchases": (lambda w: {}, OFFICE),
    "supplies:purchases_xlsx": (lambda w: {}, OFFICE),
    "supplies:labels": (lambda w: {}, OFFICE),
    "supplies:distributions": (lambda w: {}, OFFICE),
    "supplies:distribution": (pk("pack"), FUTONG_OFFICE),
    "supplies:day": (lambda w: {}, OFFICE),
    "supplies:runs": (lambda w: {}, RUNS),
    "supplies:run": (pk("run"), _run_rule),
    "supplies:mine": (lambda w: {}, MINE),
    # POST only: a GET is refused before anything else.
    "supplies:refills": (lambda w: {}, only({}, 405)),
    "api:supplies_parse": (lambda w: {}, only({}, 405)),
    "api:supplies_orders": (lambda w: {}, only({}, 405)),
}


def key() -> str:
    return uuid.uuid4().hex


def _paste(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r in ("secretary", "staff"):
        return 302, True
    if r == "outsider":
        return refused(200)  # futong is not a community they may paste into: a form error
    return refused(OFFICE(w, r))


def _shops(w: Any, r: str | None) -> tuple[int, bool | str]:
    # outsider adds a shop to their own community.
    return (302, True) if r in ("secretary", "staff", "outsider") else refused(OFFICE(w, r))


def _purchases(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r == "outsider":
        return refused(404)  # futong's lines are not theirs: not found
    return (302, True) if r in ("secretary", "staff") else refused(OFFICE(w, r))


def _runs(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r in ("secretary", "staff"):
        return 302, True
    if r == "outsider":
        return refused(200)  # none of futong's packed orders is theirs: the page says so
    status = RUNS(w, r)
    return refused(403 if status == 200 else status)


def _refill_due(w: Any) -> dict[str, Any]:
    """A care plan (resident services) of a tagged futong person with insulin running out tomorrow:
    the refill the button turns into an urgent medicine order. Nothing of it goes into the body."""
    if not hasattr(w, "supplies_refill"):
        import datetime as dt

        from django.utils import timezone

        from shequ.registry.models import Person
        from shequ.services import services as care

        person = (Person.objects.filter(community=w.household.community, status="active", tags__isnull=False,
                                        household__status="active", care_plan__isnull=True)
                  .order_by("-id").first())
        today = timezone.localdate()
        w.supplies_refill = care.care_plan_create(actor=_staff(), person=person, assignee=_staff(), tasks=[{
            "kind": "refill", "every_days": 30, "starts_on": today, "medicine": "矩阵胰岛素", "dose": "20单位",
            "runs_out_on": today + dt.timedelta(days=1)}])
    return {}


def _refills(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r in ("secretary", "staff"):
        return 302, True
    if r == "outsider":
        # Allowed, and no refill of their community is due: no order, only the form's one-time key.
        return 302, "core_submissionkey"
    return refused(302 if r is ANON else 403)


def _parse(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    if r in ("secretary", "staff", "grid1", "grid2"):
        return 200, READ_AS_POST
    return refused(403)


def _api_order(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    status = _in_grid(w, r)
    return (201, True) if status == 200 else refused(status)


WRITES: dict[str, Write] = {
    "supplies:inbox": Write(lambda w: {}, lambda w, f: {
        "community": w.household.community_id, "paste": "矩阵: 富通小区9-2-502 面粉1斤", "submission_key": key()},
        _paste),
    "supplies:message": Write(pk("message"), lambda w, f: {
        "address": "富通小区9-2-502", "kind": "order", "items": "面粉 5 斤", "action": "confirm",
        "submission_key": key()}, like(FUTONG_OFFICE)),
    "supplies:order": Write(pk("received"), lambda w, f: {"action": "confirmed", "submission_key": key()},
                            like(_in_grid)),
    "supplies:order_new": Write(lambda w: {"household_pk": w.household.pk}, lambda w, f: {
        "kind": "order", "items": "矩阵米 1 袋", "submission_key": key()}, like(_in_grid)),
    "supplies:shops": Write(lambda w: {}, lambda w, f: {"action": "shop", "name": "矩阵超市", "kind": "supermarket",
                                                        "submission_key": key()}, _shops),
    "supplies:purchases": Write(lambda w: {}, lambda w, f: {
        "item": str(rows(w)["confirmed"].items.get().pk), "supply": "short", "submission_key": key()}, _purchases),
    "supplies:distributions": Write(lambda w: {}, lambda w, f: {
        "name": "矩阵保供包二", "compound": str(w.compound.pk), "submission_key": key()}, _paste),
    "supplies:runs": Write(lambda w: {}, lambda w, f: {
        "order": str(rows(w)["packed"].pk), "courier": str(_staff().pk), "submission_key": key()}, _runs),
    "supplies:run": Write(pk("run"), lambda w, f: {"order": str(rows(w)["on_run"].pk), "action": "courier",
                                                   "submission_key": key()}, like(_run_rule)),
    "supplies:mine": Write(lambda w: {}, lambda w, f: {"action": "order", "kind": "order", "items": "矩阵面包 2 个",
                                                       "submission_key": key()}, like(MINE)),
    "supplies:refills": Write(lambda w: {}, lambda w, f: {"submission_key": key(), **_refill_due(w)}, _refills),
    "api:supplies_parse": Write(lambda w: {}, lambda w, f: Json({
        "community_id": w.household.community_id, "messages": [{"sender": "", "text": "9-2-502 面粉5斤"}]}), _parse,
        table=READ_AS_POST),
    "api:supplies_orders": Write(lambda w: {}, lambda w, f: Json({
        "client_id": str(uuid.uuid4()), "household_id": w.household.pk, "items": [{"name": "矩阵米", "quantity": 1}]}),
        _api_order),
}

READS: dict[str, Any] = {
    "supplies:orders": None, "supplies:distribution": None, "supplies:day": None, "supplies:purchases_xlsx": 405, "supplies:labels": 405,
}
