"""JSON API of the campaigns app (mounted at /api/v1/campaigns), for sampling phones and devices.

``POST /campaigns/{id}/tubes`` registers a tube with its persons in one call: the tube barcode, the
pooling, and each person (a scanned credential or a person id) with its own ``client_id``. It goes
through ``services.tube_register`` like the sampling page. The same client_id again returns the
first result and records nothing (``status: "existing"``); two copies at the same moment make one
row. A campaign outside the caller's scope is a 404.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from shequ.campaigns import selectors, services
from shequ.campaigns.models import Retest, Sample
from shequ.core.http import ScopedRequest
from shequ.core.masking import mask_name

router = Router(tags=["campaigns"])


def _need(request: ScopedRequest, capability: str) -> None:
    if not request.scope.can(capability):
        raise PermissionDenied


def _unprocessable(exc: ValidationError) -> HttpError:
    errors = [f"{f}: {m}" if f and f != "__all__" else m
              for f, ms in getattr(exc, "message_dict", {"": exc.messages}).items() for m in ms]
    return HttpError(422, "; ".join(errors))


class CampaignOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    starts_on: dt.date
    ends_on: dt.date | None


class CountsOut(Schema):
    targeted: int
    reached: int
    missing: int
    exempt: int
    added: int


class SampleSpec(Schema):
    client_id: uuid.UUID
    credential: str = ""
    person_id: int | None = None


class TubeIn(Schema):
    code: str
    pooling: int
    point_id: int | None = None
    sampled_at: dt.datetime | None = None
    close: bool = False
    samples: list[SampleSpec]


class SampleResultOut(Schema):
    client_id: uuid.UUID
    status: str  # created | existing | rejected
    sample_id: int | None
    person_id: int | None
    name: str
    repeat: bool
    retest: bool
    problem: str


class TubeOut(Schema):
    tube_id: int | None  # None: nobody could be added, so no tube was kept
    code: str
    pooling: int
    size: int
    closed: bool
    created: int
    samples: list[SampleResultOut]
    warnings: list[str]


class RetestOut(Schema):
    person_id: int
    name: str
    address: str
    household_id: int
    tube: str
    status: str


def _counts(c: selectors.Counts) -> dict:
    return {"targeted": c.targeted, "reached": c.reached, "missing": c.missing, "exempt": c.exempt,
            "added": c.added}


@router.get("/", response=list[CampaignOut], url_name="campaigns")
def campaigns(request: ScopedRequest) -> list:
    _need(request, "campaigns.field")
    return list(selectors.campaign_list(request.scope)[:200])


@router.get("/{campaign_id}/coverage", response=CountsOut, url_name="campaign_coverage")
def coverage(request: ScopedRequest, campaign_id: int) -> dict:
    _need(request, "campaigns.field")
    campaign = selectors.campaign_get(request.scope, campaign_id)
    return _counts(selectors.coverage(request.scope, campaign).total)


@router.get("/{campaign_id}/retests", response=list[RetestOut], url_name="campaign_retests")
def retests(request: ScopedRequest, campaign_id: int) -> list[dict]:
    _need(request, "campaigns.field")
    campaign = selectors.campaign_get(request.scope, campaign_id)
    rows: list[Retest] = list(selectors.retest_list(request.scope, campaign, pending_only=True))
    return [{"person_id": r.person_id, "name": mask_name(r.person.name), "household_id": r.person.household_id,
             "address": f"{r.person.household.room.unit.building.compound.name} {r.person.household.room.address}",
             "tube": r.source_tube.code, "status": r.status} for r in rows]


@router.post("/{campaign_id}/tubes", response={200: TubeOut, 201: TubeOut}, url_name="campaign_tubes")
def post_tube(request: ScopedRequest, campaign_id: int, data: TubeIn) -> Status:
    _need(request, "campaigns.field")
    scope = request.scope
    campaign = selectors.campaign_for_device(scope, campaign_id)
    if len(data.samples) > 20:
        raise HttpError(422, _("A tube holds at most 20 persons."))
    by_id = {p.pk: p for p in selectors.field_persons(scope, campaign).filter(
        pk__in=[s.person_id for s in data.samples if s.person_id])}
    specs = []
    for s in data.samples:
        if s.person_id is not None:
            person = by_id.get(s.person_id)
            specs.append(services.SampleIn(s.client_id, person, "" if person else _("Not found in this community.")))
        else:
            person, problem = services.identify_for_sampling(campaign=campaign, credential=s.credential)
            specs.append(services.SampleIn(s.client_id, person, problem))
    point = campaign.points.filter(pk=data.point_id).first() if data.point_id else None
    if data.point_id and point is None:
        raise HttpError(404, _("Not found."))
    sampled_at = data.sampled_at
    if sampled_at is not None and timezone.is_naive(sampled_at):
        sampled_at = timezone.make_aware(sampled_at)
    try:
        reg = services.tube_register(actor=request.user, campaign=campaign, code=data.code, pooling=data.pooling,
                                     samples=specs, point=point, sampled_at=sampled_at, close=data.close,
                                     request=request)
    except ValidationError as exc:
        raise _unprocessable(exc) from None
    persons = {s.person.pk: s.person for s in specs if s.person is not None}
    out = []
    for r in reg.samples:
        sample: Sample | None = r.sample
        person = persons.get(sample.person_id) if sample else None
        out.append({"client_id": r.client_id, "status": r.status, "sample_id": sample.pk if sample else None,
                    "person_id": sample.person_id if sample else None,
                    "name": mask_name(person.name) if person else "", "repeat": bool(sample and sample.repeat),
                    "retest": bool(sample and sample.retest), "problem": r.problem})
    body = {"tube_id": reg.tube.pk, "code": reg.tube.code, "pooling": reg.tube.pooling, "size": reg.tube.size,
            "closed": reg.tube.is_closed, "created": reg.created, "samples": out, "warnings": reg.warnings}
    return Status(201 if reg.created else 200, body)
