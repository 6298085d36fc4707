"""JSON API of supplies (mounted at /api/v1/supplies).

``POST /supplies/parse``: messages -> the parser's reading of each (the same function as the paste
page and ``shequ parse-orders``); with ``community_id``, each address is resolved against that
community's registry. Writes nothing.
``POST /supplies/orders``: a household's order, with the caller's ``client_id``: the same id again
returns the first order (``status: "existing"``) and records nothing.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shequ.supplies import parser, selectors, services
from shequ.supplies.models import Order

router = Router(tags=["supplies"])


def _need(request: HttpRequest, capability: str, community_id: int | None = None) -> None:
    if not request.scope.can(capability, community_id):  # type: ignore[attr-defined]
        raise PermissionDenied


def _unprocessable(exc: ValidationError) -> HttpError:
    errors = [f"{f}: {m}" if f and f != "__all__" else m
              for f, ms in getattr(exc, "message_dict", {"": exc.messages}).items() for m in ms]
    return HttpError(422, "; ".join(errors))


class MessageIn(Schema):
    sender: str = Field("", max_length=200)
    text: str = Field(..., max_length=5000)


class ParseIn(Schema):
    messages: list[MessageIn] = Field(..., max_length=1000)
    community_id: int | None = None


class ItemOut(Schema):
    name: str
    quantity: float | int | None
    unit: str | None


class ParsedOut(Schema):
    address: str | None
    kind: str
    urgent: bool
    items: list[ItemOut]
    household_id: int | None = None
    address_problem: str | None = None


@router.post("/parse", response=list[ParsedOut], url_name="supplies_parse")
def parse(request: HttpRequest, data: ParseIn) -> list[dict[str, Any]]:
    _need(request, "supplies.order")
    if data.community_id is not None:
        _need(request, "supplies.order", data.community_id)
    out = []
    for message in data.messages:
        parsed = parser.parse_message(message.sender, message.text)
        row = parsed.as_json()
        if data.community_id is not None:
            household, problem = selectors.resolve_address(data.community_id, parsed.address, parsed.compound)
            row["household_id"], row["address_problem"] = (household.pk if household else None), problem or None
        out.append(row)
    return out


class ItemIn(Schema):
    name: str = Field(..., max_length=100)
    quantity: Decimal | None = None
    unit: str = Field("", max_length=10)


class OrderIn(Schema):
    client_id: uuid.UUID
    household_id: int
    kind: str = "order"
    urgent: bool = False
    note: str = Field("", max_length=2000)
    items: list[ItemIn] = Field(default_factory=list, max_length=60)


class OrderOut(Schema):
    id: int
    status: str
    created: str  # created | existing
    urgent: bool
    receipt_code_hint: str = ""


@router.post("/orders", response={201: OrderOut, 200: OrderOut}, url_name="supplies_orders")
def order_create(request: HttpRequest, data: OrderIn) -> Any:
    _need(request, "supplies.order")
    household = selectors.household_for_order(request.scope, data.household_id)  # type: ignore[attr-defined]  # 404 outside
    _need(request, "supplies.order", household.community_id)
    try:
        order, created = services.order_take(
            actor=request.user, household=household, kind=data.kind, urgent=data.urgent, note=data.note,
            items=[i.dict() for i in data.items], source=Order.Source.PHONE, client_id=data.client_id, request=request)
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    body = {"id": order.pk, "status": order.status, "created": "created" if created else "existing",
            "urgent": order.urgent}
    return Status(201 if created else 200, body)
