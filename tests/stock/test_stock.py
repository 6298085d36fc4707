"""Prevention supplies: the burn rate and days left against a fixed clock (no issues, one day of
data, gaps), stock that never goes negative (two issues at the same moment), transfers, the once-
only page and API, the flags on the home page and the stock sheet's Excel."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zoneinfo
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from shequ.accounts.access import scope_for
from shequ.accounts.models import User
from shequ.alerts.models import Alert
from shequ.registry.models import Community
from shequ.stock import selectors, services
from shequ.stock.models import Movement, Stock
from tests.concurrency import at_once, database_for_threads

ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=ZONE)


def staff() -> Any:
    return User.objects.get(username="staff")


def make(community: Community, *, quantity: int = 0, minimum: int = 0) -> tuple[Any, Any, Any]:
    item = services.item_create(actor=staff(), community=community, kind="mask", name=f"N95口罩{uuid.uuid4().hex[:4]}",
                                unit="只")
    warehouse = services.store_create(actor=staff(), community=community, kind="warehouse", name=f"仓库{uuid.uuid4().hex[:4]}")
    gate = services.store_create(actor=staff(), community=community, kind="gate", name=f"北门{uuid.uuid4().hex[:4]}")
    if quantity:
        services.receive(actor=staff(), item=item, store=warehouse, quantity=quantity, at=at(1, 8))
    if minimum:
        services.minimum_set(actor=staff(), item=item, store=warehouse, minimum=minimum)
    return item, warehouse, gate


def rate(first: dt.datetime | None, issued: dict[int, int], now: dt.datetime) -> selectors.BurnRate:
    return selectors.burn_rate(first_at=first, issued_by_day={dt.date(2026, 3, d): n for d, n in issued.items()},
                               now=now)


def test_no_issues_is_no_burn_rate_and_no_days_left() -> None:
    assert rate(None, {}, at(5)).per_day == 0
    none = rate(at(1), {}, at(5))
    assert (none.per_day, none.days_left(500)) == (0, None)


def test_one_day_of_data_is_a_rate_of_that_day() -> None:
    one = rate(at(5, 8), {5: 120}, at(5, 18))
    assert (one.days, one.per_day, one.days_left(300)) == (1, Decimal("120.0"), Decimal("2.5"))


def test_days_without_issues_count_as_days_of_zero() -> None:
    # Stocked on the 1st; issues on the 2nd and the 5th only: 300 over 5 days.
    gaps = rate(at(1, 8), {2: 100, 5: 200}, at(5, 20))
    assert (gaps.days, gaps.per_day, gaps.days_left(180)) == (5, Decimal("60.0"), Decimal("3.0"))


def test_the_rate_looks_back_seven_days_only() -> None:
    # Issues of the 1st fall out of the window on the 8th (the 2nd to the 8th).
    old = rate(at(1, 8), {1: 700, 8: 70}, at(8, 20))
    assert (old.days, old.issued, old.per_day) == (7, 70, Decimal("10.0"))


@pytest.mark.django_db
def test_the_sheet_flags_below_minimum_and_running_out(clock: Any, anchor_household: Any, login: Any) -> None:
    clock.set(at(1, 9))
    item, warehouse, gate = make(anchor_household.community, quantity=1000, minimum=200)
    services.transfer(actor=staff(), item=item, source=warehouse, target=gate, quantity=300, at=at(1, 9))
    clock.set(at(2, 18))
    services.issue(actor=staff(), item=item, store=gate, quantity=150, taken_by="李明", post="北门白班", at=at(2, 8))
    services.issue(actor=staff(), item=item, store=gate, quantity=50, taken_by="李明", post="北门夜班", at=at(2, 17))
    rows = {r.stock.store_id: r for r in selectors.sheet(scope_for(staff()), now=clock()) if r.stock.item_id == item.pk}
    # The gate: 100 left, 200 issued over two days (100 a day): a day left, running out.
    assert (rows[gate.pk].stock.quantity, rows[gate.pk].rate.per_day, rows[gate.pk].days_left) == (
        100, Decimal("100.0"), Decimal("1.0"))
    assert rows[gate.pk].running_out and not rows[gate.pk].below_minimum
    # The warehouse: 700 left, nothing issued from it (a transfer is not use), above its minimum.
    assert not rows[warehouse.pk].flagged
    services.issue(actor=staff(), item=item, store=warehouse, quantity=550, taken_by="王芳", post="采样点")
    flagged = [r for r in selectors.flagged(scope_for(staff()), now=clock()) if r.stock.item_id == item.pk]
    assert {r.stock.store_id for r in flagged} == {gate.pk, warehouse.pk}
    assert Alert.objects.filter(kind="stock_below_minimum", params__item=item.name).count() == 1
    page = login("staff").get(reverse("home")).content.decode()
    assert item.name in page and warehouse.name in page


@pytest.mark.django_db
def test_an_issue_of_more_than_the_store_holds_is_refused(anchor_household: Any) -> None:
    item, warehouse, _gate = make(anchor_household.community, quantity=10)
    with translation.override("en"), pytest.raises(ValidationError, match="Only 10"):
        services.issue(actor=staff(), item=item, store=warehouse, quantity=11, taken_by="李明")
    assert Stock.objects.get(item=item, store=warehouse).quantity == 10
    assert not Movement.objects.filter(item=item, kind="issue").exists()


def test_two_issues_at_the_same_moment_never_take_the_stock_below_zero(world_tx: None) -> None:
    community = Community.objects.get(code="futong")
    item, warehouse, _gate = make(community, quantity=10)

    def take(i: int) -> str:
        try:
            services.issue(actor=None, item=item, store=warehouse, quantity=7, taken_by=f"志愿者{i}")
        except ValidationError:
            return "refused"
        return "issued"

    with database_for_threads():
        outcomes = at_once(2, take)
        left = at_once(1, lambda i: Stock.objects.get(item=item, store=warehouse).quantity)[0]
    assert sorted(outcomes) == ["issued", "refused"]
    assert left == 3


@pytest.mark.django_db
def test_a_double_submit_of_the_sheet_issues_once(login: Any, anchor_household: Any) -> None:
    item, warehouse, _gate = make(anchor_household.community, quantity=100)
    body = {"item": str(item.pk), "store": str(warehouse.pk), "quantity": "30", "taken_by": "李明", "post": "北门",
            "action": "issue", "submission_key": uuid.uuid4().hex}
    client = login("staff")
    assert [client.post(reverse("stock:sheet"), body).status_code for _ in range(2)] == [302, 302]
    assert Stock.objects.get(item=item, store=warehouse).quantity == 70


@pytest.mark.django_db
def test_the_api_issues_once_per_client_id(login: Any, anchor_household: Any) -> None:
    item, warehouse, _gate = make(anchor_household.community, quantity=100)
    body = {"client_id": str(uuid.uuid4()), "item_id": item.pk, "store_id": warehouse.pk, "quantity": 40,
            "taken_by": "李明", "post": "北门"}
    client = login("staff")
    first = client.post(reverse("api:stock_issues"), body, content_type="application/json")
    again = client.post(reverse("api:stock_issues"), body, content_type="application/json")
    assert (first.status_code, first.json()["quantity_left"]) == (201, 60)
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    too_many = client.post(reverse("api:stock_issues"), {**body, "client_id": str(uuid.uuid4()), "quantity": 61},
                           content_type="application/json")
    assert too_many.status_code == 422 and "60" in too_many.json()["message"]
    assert login("outsider").post(reverse("api:stock_issues"), {**body, "client_id": str(uuid.uuid4())},
                                  content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_the_stock_sheet_comes_out_as_excel(login: Any, anchor_household: Any, audit_log: Any) -> None:
    item, warehouse, _gate = make(anchor_household.community, quantity=100, minimum=150)
    response = login("staff").get(reverse("stock:sheet_xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    line = next(r for r in rows if r[1] == item.name)
    assert line[:5] == [warehouse.name, item.name, "只", 100, 150]
    assert [e.summary.split(":")[0] for e in audit_log(action="export")] == ["stock sheet"]
