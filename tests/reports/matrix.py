"""Daily report routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The community's office (secretary, staff) prepares futong's report; only the secretary submits;
the street office reads its communities' sheet and sets the cut-off. outsider is staff of
nanxincun: the community page opens (their own community), futong's report is a 404. The row is
made here through the service: today's draft of futong."""

from __future__ import annotations

import uuid
from typing import Any

from tests.test_authorization_matrix import ANON, Write, like, only, refused

OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
FUTONG_OFFICE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 404}, 403)
SUBMIT = only({ANON: 302, "secretary": 405}, 403)  # POST only
STREET = only({ANON: 302, "street": 200}, 403)


def rows(w: Any) -> dict[str, Any]:
    if not hasattr(w, "reports_rows"):
        from django.utils import timezone

        from shequ.reports import services

        w.reports_rows = {"draft": services.report_compute(w.household.community, timezone.localdate())}
    return w.reports_rows  # type: ignore[no-any-return]


def pk(name: str) -> Any:
    return lambda w: {"pk": rows(w)[name].pk}


def with_draft(w: Any) -> dict[str, Any]:
    rows(w)
    return {}


ROUTES: dict[str, Any] = {
    "reports:community": (with_draft, OFFICE),
    "reports:report": (pk("draft"), FUTONG_OFFICE),
    "reports:submit": (pk("draft"), SUBMIT),
    "reports:street": (lambda w: {}, STREET),
    "reports:street_xlsx": (lambda w: {}, STREET),
    "reports:street_pdf": (lambda w: {}, STREET),
}


def key() -> str:
    return uuid.uuid4().hex


def _compute(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r in ("secretary", "staff"):
        return 302, True
    if r == "outsider":
        return refused(200)  # futong is not a community they may report for: a form error
    return refused(OFFICE(w, r))


def _submit(w: Any, r: str | None) -> tuple[int, bool | str]:
    if r == "secretary":
        return 302, True
    return refused(302 if r is ANON else 403)


def _today() -> str:
    from django.utils import timezone

    return f"{timezone.localdate():%Y-%m-%d}"


WRITES: dict[str, Write] = {
    "reports:community": Write(with_draft, lambda w, f: {
        "community": w.household.community_id, "day": _today(), "submission_key": key()}, _compute),
    "reports:report": Write(pk("draft"), lambda w, f: {
        "key": "persons", "value": 1, "reason": "矩阵", "submission_key": key()}, like(FUTONG_OFFICE)),
    "reports:submit": Write(pk("draft"), lambda w, f: {"remarks": "矩阵", "submission_key": key()}, _submit),
    "reports:street": Write(lambda w: {}, lambda w, f: {
        "street": w.household.community.street_id, "cutoff": "14:30", "deadline": "15:30",
        "submission_key": key()}, like(STREET)),
}

READS: dict[str, Any] = {"reports:street_xlsx": 405, "reports:street_pdf": 405}
