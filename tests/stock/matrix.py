"""Prevention supplies routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

Everything is the community's (secretary, staff); outsider is staff of another community: the
pages open (their own rows), futong's item and store are not among their choices. The rows are made
here through the services: masks at futong's warehouse and north gate, 100 received."""

from __future__ import annotations

import uuid
from typing import Any

from tests.test_authorization_matrix import ANON, Json, Write, api, like, only, refused

OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)


def rows(w: Any) -> Any:
    if not hasattr(w, "stock_rows"):
        from shequ.accounts.models import User
        from shequ.stock import services

        staff, community = User.objects.get(username="staff"), w.household.community
        item = services.item_create(actor=staff, community=community, kind="mask", name="矩阵口罩", unit="只")
        warehouse = services.store_create(actor=staff, community=community, kind="warehouse", name="矩阵仓库")
        gate = services.store_create(actor=staff, community=community, kind="gate", name="矩阵北门")
        services.receive(actor=staff, item=item, store=warehouse, quantity=100)
        w.stock_rows = {"item": item, "warehouse": warehouse, "gate": gate}
    return w.stock_rows


ROUTES: dict[str, Any] = {
    "stock:sheet": (lambda w: (rows(w), {})[1], OFFICE),
    "stock:sheet_xlsx": (lambda w: {}, OFFICE),
    "stock:ledger": (lambda w: {}, OFFICE),
    "stock:setup": (lambda w: {}, OFFICE),
    "api:stock_sheet": (lambda w: {}, api(OFFICE)),
    # POST only: a GET is refused before anything else.
    "api:stock_issues": (lambda w: {}, only({}, 405)),
}


def _foreign(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r == "outsider":
        return refused(200)  # futong's item and store are not among their choices: the form says so
    return like(OFFICE)(w, r)


def _setup(w: Any, r: str | None) -> tuple[int, bool | str]:
    # outsider adds an item to their own community.
    return (302, True) if r in ("secretary", "staff", "outsider") else refused(OFFICE(w, r))


def _api_issue(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r is ANON:
        return refused(401)
    if r in ("secretary", "staff"):
        return 201, True
    return refused(404 if r == "outsider" else 403)


WRITES: dict[str, Write] = {
    "stock:sheet": Write(lambda w: {}, lambda w, f: {
        "item": str(rows(w)["item"].pk), "store": str(rows(w)["warehouse"].pk), "quantity": "10", "taken_by": "矩阵",
        "post": "北门", "action": "issue", "submission_key": uuid.uuid4().hex}, _foreign),
    "stock:setup": Write(lambda w: {}, lambda w, f: {
        "kind": "gloves", "name": f"矩阵手套{uuid.uuid4().int % 10**6:06d}", "unit": "副", "action": "item",
        "submission_key": uuid.uuid4().hex}, _setup),
    "api:stock_issues": Write(lambda w: {}, lambda w, f: Json({
        "client_id": str(uuid.uuid4()), "item_id": rows(w)["item"].pk, "store_id": rows(w)["warehouse"].pk,
        "quantity": 5, "taken_by": "矩阵", "post": "北门"}), _api_issue),
}

READS: dict[str, Any] = {
    "stock:ledger": None, "stock:sheet_xlsx": 405, "api:stock_sheet": 405,
}
