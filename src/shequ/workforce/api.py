"""JSON API of the workforce (mounted at /api/v1/workforce).

``GET /workforce/board``: the duty board of a community (posts x shifts of today and tomorrow, with
the gaps of the current and next shift), the same selector as the page.
``POST /workforce/callouts/{id}/accept``: accept a call-out (the same service as the page): 200 with
the duty when the caller got the shift, 409 with a message when someone else was first; accepting a
call-out one already holds returns that duty again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from shequ.workforce import selectors, services
from shequ.workforce.models import Assignment

router = Router(tags=["workforce"])


class DutyOut(Schema):
    id: int
    post: str
    shift: str
    date: dt.date
    user: str


class CellOut(Schema):
    date: dt.date
    shift: str
    when: str
    needed: int
    on_duty: list[str]
    gap: bool


class RowOut(Schema):
    post_id: int
    post: str
    kind: str
    cells: list[CellOut]


class BoardOut(Schema):
    community_id: int
    rows: list[RowOut]


def _duty(d: Assignment) -> dict[str, Any]:
    return {"id": d.pk, "post": d.post.name, "shift": d.shift.name, "date": d.date,
            "user": d.user.first_name or d.user.username}


@router.get("/board", response=BoardOut, url_name="workforce_board")
def board(request: HttpRequest, community_id: int | None = None) -> dict[str, Any]:
    scope = request.scope  # type: ignore[attr-defined]
    if not scope.can("workforce.manage"):
        raise PermissionDenied
    community = selectors.managed_community(scope, community_id)
    b = selectors.board(scope, community)
    return {"community_id": community.pk, "rows": [
        {"post_id": r.post.pk, "post": r.post.name, "kind": r.post.kind, "cells": [
            {"date": c.date, "shift": c.shift.name, "when": c.when, "needed": c.needed, "gap": c.gap,
             "on_duty": [d.user.first_name or d.user.username for d in c.duties]} for c in r.cells]}
        for r in b.rows]}


@router.post("/callouts/{callout_id}/accept", response=DutyOut, url_name="workforce_callout_accept")
def callout_accept(request: HttpRequest, callout_id: int) -> dict[str, Any]:
    scope = request.scope  # type: ignore[attr-defined]
    if not scope.can("workforce.own"):
        raise PermissionDenied
    callout = selectors.callout_get(scope, callout_id)
    if callout.accepted_by_id == request.user.pk and callout.assignment is not None:
        return _duty(callout.assignment)  # a retried accept: the duty it made
    try:
        duty = services.callout_accept(actor=request.user, callout=callout, request=request)
    except services.CallOutTaken as exc:
        raise HttpError(409, exc.messages[0]) from exc
    except ValidationError as exc:
        raise HttpError(422, "; ".join(exc.messages)) from exc
    return _duty(duty)
