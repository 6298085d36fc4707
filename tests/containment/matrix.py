"""Containment routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

containment.manage is for secretary and staff only. outsider is staff of another community: the
overview and lists open (their own community's rows) but futong's places, persons and rows are a
404. Rows to end are found with plain queries (ground truth), not through the Scope under test."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, only

LISTS = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
FUTONG = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 404}, 403)


def _area() -> Any:
    from shequ.containment.models import ContainmentArea

    return ContainmentArea.objects.filter(community__code="futong").order_by("id").first()


def _restriction() -> Any:
    from shequ.containment.models import MovementRestriction

    return MovementRestriction.objects.filter(community__code="futong").order_by("id").first()


def _quota() -> Any:
    from shequ.gates.models import ExitQuota

    return ExitQuota.objects.filter(community__code="futong").order_by("id").first()


def _permit() -> Any:
    from shequ.containment.models import Permit

    return Permit.objects.filter(community__code="futong").order_by("id").first()


ROUTES: dict[str, Any] = {
    "containment:index": (lambda w: {}, LISTS),
    "containment:restrictions": (lambda w: {}, LISTS),
    "containment:areas": (lambda w: {}, LISTS),
    "containment:person": (lambda w: {"pk": w.person.pk}, FUTONG),
    "containment:compound": (lambda w: {"pk": w.compound.pk}, FUTONG),
    "containment:building": (lambda w: {"pk": w.building.pk}, FUTONG),
    # GET is the confirmation page; only a POST ends anything.
    "containment:restriction_end": (lambda w: {"pk": _restriction().pk}, FUTONG),
    "containment:area_end": (lambda w: {"pk": _area().pk}, FUTONG),
    "containment:quota_end": (lambda w: {"pk": _quota().pk}, FUTONG),
    "containment:permits": (lambda w: {}, LISTS),
    # Without ?person= the form grants a permit to a visitor.
    "containment:permit_new": (lambda w: {}, LISTS),
    "containment:permit": (lambda w: {"pk": _permit().pk}, FUTONG),
}
