"""Campaign pages and API routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The anchor campaign is a test round over the anchor building (富通小区 9, grid 1), made on first use
inside each matrix test's transaction. Expectations come from ground truth: campaigns.manage is
secretary and staff, campaigns.field adds grid workers and samplers; the outsider (staff of
nanxincun) may use the pages but never sees a futong campaign (404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.test_authorization_matrix import ANON, Write, api, like, only, refused
from tests.test_authorization_matrix import key as _key

FIELD = {"secretary", "staff", "grid1", "grid2", "sampler1", "outsider"}
MANAGE = {"secretary", "staff", "outsider"}


def anchor_campaign(w: Any) -> Any:
    """An open test round over the anchor building, with one closed tube and one person in it."""
    from shequ.accounts.models import User
    from shequ.campaigns import services
    from shequ.campaigns.models import Campaign, Target, Tube

    found = Campaign.objects.filter(name="matrix round").first()
    if found is None:
        actor = User.objects.get(username="secretary")
        found = services.campaign_create(actor=actor, community=w.building.community, name="matrix round",
                                         kind="test_round", starts_on=dt.date(2022, 1, 26), buildings=[w.building])
        found = services.campaign_open(actor=actor, campaign=found)
        services.tube_register(actor=actor, campaign=found, code="MATRIX-1", pooling=1,
                               samples=[services.SampleIn(client_id=__import__("uuid").uuid4(), person=w.person)])
    w.campaign = found
    w.tube = Tube.objects.get(campaign=found, code="MATRIX-1")
    w.target = Target.objects.filter(campaign=found, person=w.person).first()
    return found


def field(w: Any, role: str | None) -> int:
    if role is ANON:
        return 302
    if role == "outsider":
        return 404
    return 200 if role in FIELD else 403


def manage(w: Any, role: str | None) -> int:
    if role is ANON:
        return 302
    if role == "outsider":
        return 404
    return 200 if role in MANAGE else 403


def in_grid(w: Any, role: str | None) -> int:
    """Rows of the anchor building: grid1's grid; grid2 gets a 404; samplers see their community."""
    if role == "grid2":
        return 404
    return field(w, role)


def post_only(w: Any, role: str | None) -> int:
    """open/close: POST only. Roles without campaigns.manage are refused before the method check."""
    if role is ANON:
        return 302
    return 405 if role in MANAGE else 403


def kw(**extra: Any) -> Any:
    def make(w: Any) -> dict[str, Any]:
        campaign = anchor_campaign(w)
        values = {"pk": campaign.pk}
        for key, attr in extra.items():
            values[key] = attr(w)
        return values
    return make


ROUTES: dict[str, Any] = {
    "campaigns:list": (lambda w: {}, lambda w, r: 302 if r is ANON else 200 if r in FIELD else 403),
    "campaigns:create": (lambda w: {}, lambda w, r: 302 if r is ANON else 200 if r in MANAGE else 403),
    "campaigns:detail": (kw(), field),
    "campaigns:open": (kw(), post_only),
    "campaigns:close": (kw(), post_only),
    "campaigns:missing": (kw(), field),
    # POST only: starts the background job of the missing list's PDF.
    "campaigns:missing_pdf_job": (kw(), only({}, 405)),
    "campaigns:compare": (kw(), manage),
    "campaigns:exempt": (kw(target_pk=lambda w: w.target.pk), in_grid),
    # POST only, for staff and grid workers (person.call): others are refused first.
    "campaigns:call": (kw(target_pk=lambda w: w.target.pk),
                       lambda w, r: 302 if r is ANON else 405 if r in ("secretary", "staff", "outsider", "grid1", "grid2")
                       else 403),
    "campaigns:visits": (kw(), field),
    "campaigns:household": (kw(household_pk=lambda w: w.household.pk), in_grid),
    "campaigns:points": (kw(), field),
    "campaigns:sample": (kw(), field),
    "campaigns:door_to_door": (kw(), field),
    "campaigns:results": (kw(), manage),
    "campaigns:retests": (kw(), field),
    # POST only, for those who manage containment (secretary, staff): others are refused first.
    "campaigns:retest_quarantine": (kw(tube_pk=lambda w: w.tube.pk), post_only),
    "campaigns:tubes": (kw(), field),
    "campaigns:tube": (kw(tube_pk=lambda w: w.tube.pk), field),
    "api:campaigns": (lambda w: {}, api(lambda w, r: 200 if r in FIELD else 403)),
    "api:campaign_coverage": (lambda w: {"campaign_id": anchor_campaign(w).pk}, api(field)),
    "api:campaign_retests": (lambda w: {"campaign_id": anchor_campaign(w).pk}, api(field)),
    # POST only: a GET is refused before anything else.
    "api:campaign_tubes": (lambda w: {"campaign_id": 10**9}, only({}, 405)),
}


# -- writes ---------------------------------------------------------------------------------------------
def _draft(w: Any) -> Any:
    """A draft round over the anchor building, to open."""
    from shequ.accounts.models import User
    from shequ.campaigns import services
    from shequ.campaigns.models import Campaign

    found = Campaign.objects.filter(name="matrix draft").first()
    if found is None:
        found = services.campaign_create(actor=User.objects.get(username="secretary"), community=w.building.community,
                                         name="matrix draft", kind="test_round", starts_on=dt.date(2022, 1, 27),
                                         buildings=[w.building])
    return found


def _open_tube(w: Any) -> Any:
    """A 5-in-1 tube of the anchor round holding one person, not closed yet, to close."""
    import uuid

    from shequ.campaigns import services
    from shequ.campaigns.models import Tube

    campaign = anchor_campaign(w)
    found = Tube.objects.filter(campaign=campaign, code="MATRIX-2").first()
    if found is None:
        found = services.tube_register(actor=None, campaign=campaign, code="MATRIX-2", pooling=5,
                                       samples=[services.SampleIn(client_id=uuid.uuid4(), person=w.person)]).tube
    return found


def _positive_tube(w: Any) -> Any:
    """A closed 1-in-1 tube of the anchor round holding the anchor person, positive: the re-test
    list offers home quarantine for it."""
    import uuid

    from shequ.campaigns import services
    from shequ.campaigns.models import Tube

    campaign = anchor_campaign(w)
    found = Tube.objects.filter(campaign=campaign, code="MATRIX-POS").first()
    if found is None:
        found = services.tube_register(actor=None, campaign=campaign, code="MATRIX-POS", pooling=1, close=True,
                                       samples=[services.SampleIn(client_id=uuid.uuid4(), person=w.person)]).tube
        services.tube_result_set(actor=None, tube=found, result="positive", at=dt.datetime(2022, 1, 27, 12, tzinfo=dt.UTC))
    return found


def _call(w: Any, role: str | None) -> tuple[int, bool | str]:
    """The anchor community's secretary and staff, and the person's grid worker (grid1), get the
    number, revealed through the audited reveal; grid2 and another community's staff may call, but
    not this person; others are refused."""
    if role in ("secretary", "staff", "grid1"):
        return 200, True
    if role is ANON:
        return refused(302)
    return refused(404 if role in ("grid2", "outsider") else 403)


def _page(name: str, with_field: str, extra: Any = None, **values: Any) -> Any:
    from django.urls import reverse

    def body(w: Any, f: Any) -> Any:
        kwargs = {"pk": anchor_campaign(w).pk, **(extra(w) if extra else {})}
        return f.page(reverse(name, kwargs=kwargs), with_field=with_field, **values)
    return body


def _create_form(w: Any, f: Any) -> Any:
    from django.urls import reverse

    return f.page(reverse("campaigns:create"), with_field="kind", name="矩阵轮", kind="test_round",
                  starts_on="2022-01-27", compounds=str(w.compound.pk), buildings=w.building.number)


def _point_form(w: Any, f: Any) -> Any:
    from django.urls import reverse

    return f.page(reverse("campaigns:points", args=[anchor_campaign(w).pk]), with_field="location", name="矩阵采样点",
                  location="东门", starts_at="2022-01-27T08:00", ends_at="2022-01-27T12:00",
                  buildings=str(w.building.pk))


def _sample_form(w: Any, f: Any) -> Any:
    from django.urls import reverse

    from tests.gates.test_api_helpers import token_of

    return f.page(reverse("campaigns:sample", args=[anchor_campaign(w).pk]), with_field="credential",
                  tube="MATRIX-S", pooling="5", credential=token_of(w.person))


def _tubes_body(w: Any, f: Any) -> Any:
    import uuid

    from tests.test_authorization_matrix import Json

    anchor_campaign(w)
    return Json({"code": "MATRIX-API", "pooling": 5,
                 "samples": [{"client_id": str(uuid.uuid4()), "person_id": w.person.pk}]})


def _create(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff"):
        return 302, True
    if role == "outsider":  # futong's compound is not a choice of their community's form
        return refused(200)
    return refused(302 if role is ANON else 403)


def _manage_write(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff"):
        return 302, True
    return refused(manage(w, role) if role in (ANON, "outsider") else 403)


def _api_sample(w: Any, role: str | None) -> tuple[int, bool | str]:
    """Field roles register the anchor person by id; grid2 may use the API but not name a person of
    another grid (the sample is rejected: only the new, empty tube is written)."""
    if role is ANON:
        return refused(401)
    if role == "grid2":
        return 200, "campaigns_tube"
    status = field(w, role)
    return (201, True) if status == 200 else refused(status)


WRITES: dict[str, Any] = {
    "campaigns:create": Write(lambda w: {}, _create_form, _create),
    "campaigns:open": Write(lambda w: {"pk": _draft(w).pk}, lambda w, f: {}, _manage_write),
    "campaigns:close": Write(kw(), lambda w, f: {}, _manage_write),
    # The export's audit event is written by the worker with the file (tests/jobs/test_kinds.py).
    "campaigns:missing_pdf_job": Write(kw(), lambda w, f: {"submission_key": _key()}, like(field), table="jobs_job"),
    "campaigns:exempt": Write(kw(target_pk=lambda w: w.target.pk),
                              _page("campaigns:exempt", "reason", lambda w: {"target_pk": w.target.pk},
                                    reason="in_hospital", note="市中心医院"),
                              like(in_grid)),
    "campaigns:household": Write(kw(household_pk=lambda w: w.household.pk),
                                 _page("campaigns:household", "outcome", lambda w: {"household_pk": w.household.pk},
                                       outcome="nobody_home"),
                                 like(in_grid)),
    "campaigns:points": Write(kw(), _point_form, _manage_write),
    # By a scanned pass: whoever holds it is sampled, whichever grid they live in.
    "campaigns:sample": Write(kw(), _sample_form, like(field), table="campaigns_sample"),
    "campaigns:results": Write(kw(), _page("campaigns:results", "code", code="MATRIX-1", result="negative"),
                               _manage_write),
    "campaigns:tube": Write(kw(tube_pk=lambda w: _open_tube(w).pk), lambda w, f: {}, like(field)),
    "campaigns:call": Write(kw(target_pk=lambda w: w.target.pk), lambda w, f: {}, _call),
    "campaigns:retest_quarantine": Write(kw(tube_pk=lambda w: _positive_tube(w).pk), lambda w, f: {"days": "7"},
                                         _manage_write),
    "api:campaign_tubes": Write(lambda w: {"campaign_id": anchor_campaign(w).pk}, _tubes_body, _api_sample,
                                table="campaigns_sample"),
}
READS: dict[str, Any] = {
    "campaigns:list": None, "campaigns:detail": None, "campaigns:missing": None, "campaigns:compare": None,
    "campaigns:visits": None, "campaigns:door_to_door": None, "campaigns:retests": None, "campaigns:tubes": None,
    "api:campaigns": 405, "api:campaign_coverage": 405, "api:campaign_retests": 405,
}
