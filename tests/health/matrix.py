"""Health routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

Health data is seen by the secretary and staff of the community, the grid worker of the person's
grid and the medical role (sampler1, community-wide): health.view and health.followup. Staff
(secretary, staff) record statuses and change orders (health.manage). resident1 has their own
page (health.own). gate1, volunteer1, property1 and street get a 403 on every health page: the gate
learns from containment that a person may not leave, never why. outsider (staff of nanxincun) opens
the lists (their own community's) but any futong row is a 404.

The anchor order (7+7 for the anchor person, from the start of today so that today's morning slot
exists whatever the hour) is made through the services on first use, inside each test's
transaction; rows are found with plain queries (ground truth), not through the Scope under test.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tests.test_authorization_matrix import ANON, Json, Write, api, only, refused

SEE = {"secretary", "staff", "grid1", "grid2", "sampler1", "outsider"}
LISTS = only({ANON: 302, **{r: 200 for r in SEE}}, 403)


def row(w: Any, role: str | None) -> int:
    """A row about the anchor person (grid 1)."""
    if role is ANON:
        return 302
    if role in ("secretary", "staff", "grid1", "sampler1"):
        return 200
    if role in ("grid2", "outsider"):
        return 404
    return 403


def manage(w: Any, role: str | None) -> tuple[int, bool | str]:
    """A staff write on an anchor row: grid workers and samplers see it, but may not change it."""
    status = row(w, role)
    if role in ("secretary", "staff"):
        return 302, True
    return refused(403 if status == 200 else status)


def _staff_row(w: Any, role: str | None) -> int:
    """A print of an anchor row: staff of the community only (the outsider, staff elsewhere: 404)."""
    if role is ANON:
        return 302
    if role in ("secretary", "staff"):
        return 200
    return 404 if role == "outsider" else 403


def anchor_order(w: Any) -> Any:
    if not hasattr(w, "health_order"):
        from django.utils import timezone

        from shequ.health import services
        from shequ.health.periods import day_start

        today = timezone.localdate()
        policy = services.policy_for_preset(community=w.person.community, name="7+7")
        w.health_order = services.order_create(actor=None, person=w.person, policy=policy,
                                               last_exposure_on=today - dt.timedelta(days=1), at=day_start(today))
    return w.health_order


def first_slot(w: Any) -> Any:
    from shequ.health.models import FollowUp

    return FollowUp.objects.filter(order=anchor_order(w), outcome="").order_by("due_at").first()


def anchor_transfer(w: Any) -> Any:
    if not hasattr(w, "health_transfer"):
        from shequ.health import services

        [w.health_transfer] = services.transfer_request(actor=None, persons=[w.person], destination="central_quarantine",
                                                        reason="矩阵 转运")
    return w.health_transfer


def _household(w: Any) -> dict[str, Any]:
    anchor_order(w)
    return {"pk": w.household.pk}


ROUTES: dict[str, Any] = {
    "health:index": (lambda w: {}, LISTS),
    "health:orders": (lambda w: {}, LISTS),
    "health:followups": (lambda w: {}, LISTS),
    "health:person": (lambda w: {"pk": w.person.pk}, row),
    "health:order": (lambda w: {"pk": anchor_order(w).pk}, row),
    "health:visit": (_household, row),
    "health:mine": (lambda w: {}, only({ANON: 302, "resident1": 200}, 403)),
    "health:transfer": (lambda w: {"pk": anchor_transfer(w).pk}, row),
    "health:facilities": (lambda w: {}, LISTS),
    "health:order_letter": (lambda w: {"pk": anchor_order(w).pk}, _staff_row),
    "health:door_notice": (lambda w: {"pk": anchor_order(w).pk}, _staff_row),
    "health:settings": (lambda w: {}, only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)),
    "health:floor_plan": (lambda w: {"pk": w.person.household.room.unit.building_id}, row),
    "health:list": (lambda w: {}, only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)),
    "health:epidemic_free": (lambda w: {}, only({ANON: 302, "secretary": 200, "staff": 200, "street": 200,
                                                 "outsider": 200}, 403)),
    "api:health_followups_due": (lambda w: {}, api(lambda w, r: 200 if r in SEE else 403)),
    "api:health_followups_record": (lambda w: {}, only({}, 405)),
}


def _self_report(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role == "resident1":
        return 302, "health_followup"
    return refused(302 if role is ANON else 403)


def _record(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role is ANON:
        return refused(401)
    if role in ("secretary", "staff", "grid1", "sampler1"):
        return 201, "health_followup"
    if role in ("grid2", "outsider"):
        return refused(200)  # the follow-up is not found for them: rejected, nothing written
    return refused(403)


WRITES = {
    "health:person": Write(
        lambda w: {"pk": w.person.pk},
        lambda w, f: f.page(f"/health/persons/{w.person.pk}/", with_field="onset_on", status="close_contact",
                            source="list", note="矩阵"),
        manage, table="health_healthentry"),
    "health:order": Write(
        lambda w: {"pk": anchor_order(w).pk},
        # The end form of the page (three forms there share the field "reason"; the action says which).
        lambda w, f: {"action": "end", "reason": "矩阵 解除", "submission_key": uuid.uuid4().hex},
        manage, table="health_quarantineorder"),
    "health:visit": Write(
        _household,
        lambda w, f: f.page(f"/health/followups/households/{w.household.pk}/", with_field="submission_key"),
        lambda w, r: (302, "health_followup") if row(w, r) == 200 else refused(row(w, r))),
    "health:mine": Write(lambda w: {}, lambda w, f: {"temperature": "36.6", "symptoms": "", "person": w.person.pk,
                                                     "submission_key": uuid.uuid4().hex}, _self_report),
    "api:health_followups_record": Write(
        lambda w: {}, lambda w, f: Json({"records": [{"client_id": str(uuid.uuid4()), "followup_id": first_slot(w).pk,
                                                      "outcome": "seen", "temperature": "36.5"}]}),
        _record, table="health_followup"),
}
def _facility(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff", "outsider"):  # the outsider adds one to their own community
        return 302, True
    return refused(302 if role is ANON else 403)


WRITES.update({
    "health:transfer": Write(
        lambda w: {"pk": anchor_transfer(w).pk},
        lambda w, f: f.page(f"/health/transfers/{anchor_transfer(w).pk}/", with_field="to"),
        manage, table="health_transferstep"),
    "health:facilities": Write(
        lambda w: {}, lambda w, f: f.page("/health/facilities/", with_field="capacity", name="矩阵观察点",
                                          capacity="10"),
        _facility, table="health_facility"),
})
READS = {"health:floor_plan": None, "health:order_letter": 405, "health:door_notice": 405, "health:epidemic_free": None, "health:index": None, "health:orders": None, "health:followups": None, "api:health_followups_due": 405}


def _list_csv(w: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    room = w.person.household.room
    address = f"{room.unit.building.compound.name}{room.unit.building.number}栋{room.unit.number}单元{room.number}室"
    rows = f"姓名,住址,末次暴露时间\n{w.person.name},{address},\n"
    return SimpleUploadedFile("matrix.csv", rows.encode(), content_type="text/csv")


def _list_body(w: Any, f: Any) -> dict[str, Any]:
    body = {**f.page("/health/lists/", with_field="file"), "file": _list_csv(w), "kind": "close_contact"}
    body.pop("dry_run", None)  # record at once (the page checks first by default)
    return body


def _list(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff"):
        return 200, True
    if role == "outsider":  # futong is not among the communities they may upload into: a form error
        return refused(200)
    return refused(302 if role is ANON else 403)


WRITES["health:list"] = Write(lambda w: {}, _list_body, _list, table="health_healthentry")


def _settings(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff"):
        return 302, True
    return refused(302 if role is ANON else 403)  # the outsider posts futong's form: not theirs


WRITES["health:settings"] = Write(
    lambda w: {}, lambda w, f: f.page("/health/settings/", with_field="days", days="21"), _settings)
