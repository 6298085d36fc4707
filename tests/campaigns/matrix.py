"""Campaign pages and API routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The anchor campaign is a test round over the anchor building (富通小区 9, grid 1), made on first use
inside each matrix test's transaction. Expectations come from ground truth: campaigns.manage is
secretary and staff, campaigns.field adds grid workers and samplers; the outsider (staff of
nanxincun) may use the pages but never sees a futong campaign (404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.test_authorization_matrix import ANON, api, only

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
    "campaigns:compare": (kw(), manage),
    "campaigns:exempt": (kw(target_pk=lambda w: w.target.pk), in_grid),
    # POST only, for grid workers (person.call): others are refused first.
    "campaigns:call": (kw(target_pk=lambda w: w.target.pk),
                       lambda w, r: 302 if r is ANON else 405 if r in ("grid1", "grid2") else 403),
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
