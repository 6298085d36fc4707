"""Containment routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

containment.manage is for secretary and staff only. outsider is staff of another community: the
overview and lists open (their own community's rows) but futong's places, persons and rows are a
404. Rows to end are found with plain queries (ground truth), not through the Scope under test."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, Write, like, only

LISTS = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
FUTONG = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 404}, 403)


def _area() -> Any:
    from shequ.containment.models import ContainmentArea

    return ContainmentArea.objects.filter(community__code="futong").order_by("id").first()


def _restriction() -> Any:
    from shequ.containment.models import MovementRestriction

    return MovementRestriction.objects.filter(community__code="futong").order_by("id").first()


def _quota() -> Any:
    from shequ.containment.models import ExitQuota

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


# -- writes -------------------------------------------------------------------------------------------
def _matrix_rows(w: Any) -> Any:
    """A restriction, a level and an exit quota in force, set for the matrix through the services, to
    end (the demo's own rows stay as they are)."""
    if not hasattr(w, "containment_rows"):
        from shequ.containment import services
        from shequ.containment.services import exit_quota_set

        restriction = services.restriction_create(actor=None, person=w.person, kind="home_quarantine", reason="矩阵")
        area = services.area_create(actor=None, level="precaution", place=w.building, reason="矩阵")
        quota = exit_quota_set(actor=None, compound=w.compound, persons=2, days=1)
        w.containment_rows = restriction, area, quota
    return w.containment_rows


def _end(index: int) -> Any:
    return lambda w: {"pk": _matrix_rows(w)[index].pk}


def _end_form(name: str, index: int) -> Any:
    from django.urls import reverse

    return lambda w, f: f.page(reverse(name, args=[_matrix_rows(w)[index].pk]), with_field="submission_key")


WRITE_FUTONG = like(FUTONG)

WRITES = {
    "containment:person": Write(
        lambda w: {"pk": w.person.pk},
        lambda w, f: f.page(f"/containment/persons/{w.person.pk}/", with_field="kind", reason="矩阵 密接"),
        WRITE_FUTONG),
    "containment:compound": Write(
        lambda w: {"pk": w.compound.pk},
        lambda w, f: f.page(f"/containment/compounds/{w.compound.pk}/", with_field="level", reason="矩阵",
                            level="precaution"),
        WRITE_FUTONG),
    "containment:building": Write(
        lambda w: {"pk": w.building.pk},
        lambda w, f: f.page(f"/containment/buildings/{w.building.pk}/", with_field="level", reason="矩阵",
                            level="controlled"),
        WRITE_FUTONG),
    "containment:restriction_end": Write(_end(0), _end_form("containment:restriction_end", 0), WRITE_FUTONG),
    "containment:area_end": Write(_end(1), _end_form("containment:area_end", 1), WRITE_FUTONG),
    "containment:quota_end": Write(_end(2), _end_form("containment:quota_end", 2), WRITE_FUTONG),
}


def _requested(w: Any) -> Any:
    """A permit requested from a gate for the anchor person, to approve (the demo's stay as they are)."""
    if not hasattr(w, "permit_requested"):
        import datetime as dt

        from django.utils import timezone

        from shequ.containment import services

        w.permit_requested = services.permit_request(
            actor=None, place=w.room, reason="矩阵 就医", ends_at=timezone.now() + dt.timedelta(hours=2),
            person=w.person, where="矩阵")
    return w.permit_requested


def _visitor_permit(w: Any, f: Any) -> Any:
    from django.urls import reverse

    return f.page(reverse("containment:permit_new"), with_field="visitor_name", visitor_name="矩阵师傅",
                  visitor_phone="13912345001", host=f"{w.compound.name}{w.room.address}", reason="矩阵 供暖")


def _grant_visitor(w: Any, role: str | None) -> tuple[int, bool | str]:
    # The outsider may grant permits in their own community: futong's room is not found there, and the
    # form says so (200) without writing.
    return (200, False) if role == "outsider" else like(LISTS)(w, role)


def _approve(w: Any, f: Any) -> Any:
    from django.urls import reverse

    # The page's approve form (its hidden action says "approve"), as the secretary's phone shows it.
    return f.page(reverse("containment:permit", args=[_requested(w).pk]), with_field="ends_at")


WRITES.update({
    "containment:permit_new": Write(lambda w: {}, _visitor_permit, _grant_visitor, table="containment_permit"),
    "containment:permit": Write(lambda w: {"pk": _requested(w).pk}, _approve, WRITE_FUTONG,
                                table="containment_permit"),
})
READS = {"containment:index": None, "containment:restrictions": None, "containment:areas": None,
         "containment:permits": None}
