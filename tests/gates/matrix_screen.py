"""Gate screen routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The anchor gate is gate1's post (富通小区 东门, in front of the anchor household). The screen is for
secretary, staff, gate guards and volunteers; a guard or volunteer sees only the gates they are
posted to (volunteer1 has no post), and the outsider none of futong's.
"""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, Write, like

SCREEN_ROLES = {"secretary", "staff", "gate1", "volunteer1", "outsider"}


def post_gate(w: Any) -> dict[str, int]:
    from shequ.gates.models import Gate

    gate = Gate.objects.get(community__code="futong", compound__name=w.compound.name, name="东门")
    return {"pk": gate.pk}


def at_post(w: Any, role: str | None) -> int:
    if role is ANON:
        return 302
    if role in ("secretary", "staff", "gate1"):
        return 200
    return 404 if role in SCREEN_ROLES else 403


def start(w: Any, role: str | None) -> int:
    """One gate: straight to it (302); several or none: the list (200)."""
    from shequ.gates.models import Gate, GateGuard

    if role is ANON:
        return 302
    if role not in SCREEN_ROLES:
        return 403
    if role in ("secretary", "staff", "outsider"):
        code = "nanxincun" if role == "outsider" else "futong"
        count = Gate.objects.filter(community__code=code).count()
    else:
        count = GateGuard.objects.filter(user__username=role).count()
    return 302 if count == 1 else 200


def permit_request(w: Any, role: str | None) -> int:
    """A permit is requested for a refused passage (?passage=); without one the page is a 404 for
    whoever may use the screen there, as for a gate they may not see."""
    if role is ANON:
        return 302
    return 404 if role in SCREEN_ROLES else 403


ROUTES: dict[str, Any] = {
    "gates:screen_start": (lambda w: {}, start),
    "gates:screen": (post_gate, at_post),
    "gates:screen_lookup": (post_gate, at_post),
    "gates:screen_visitor": (post_gate, at_post),
    "gates:screen_bundle": (post_gate, at_post),
    "gates:screen_permits": (post_gate, at_post),
    "gates:screen_permit": (post_gate, permit_request),
    # The service worker holds no data: anyone may load it (a browser fetches it without asking).
    "gates:screen_worker": (lambda w: {}, lambda w, role: 200),
}


def _screen_form(w: Any, f: Any) -> Any:
    from django.urls import reverse

    from tests.gates.test_api_helpers import token_of

    return f.page(reverse("gates:screen", kwargs=post_gate(w)), with_field="credential", credential=token_of(w.person),
                  temperature="36.5")


def _visitor_form(w: Any, f: Any) -> Any:
    from django.urls import reverse

    return f.page(reverse("gates:screen_visitor", kwargs=post_gate(w)), with_field="host", name="矩阵访客",
                  phone="13912345000", host=w.room.address, reason="送药", temperature="36.5")


def _refused(w: Any) -> Any:
    """A passage of the anchor person refused at the post gate for a restriction: the one a guard
    asks a permit for (built for the matrix through the services)."""
    if not hasattr(w, "refused_passage"):
        import uuid

        from shequ.containment import services as containment
        from shequ.gates import services
        from tests.gates.test_api_helpers import token_of

        containment.restriction_create(actor=None, person=w.person, kind="home_quarantine", reason="矩阵")
        checks = services.parse_checks(direction="out", temperature="36.5", health_code="green", mask=True)
        w.refused_passage = services.record_passage(
            gate=_gate(w), actor=None, checks=checks, client_id=uuid.uuid4(), credential=token_of(w.person)).passage
        assert w.refused_passage.reasons == ["movement_restricted"]
    return w.refused_passage


def _gate(w: Any) -> Any:
    from shequ.gates.models import Gate

    return Gate.objects.get(**post_gate(w))


def _permit_request_form(w: Any, f: Any) -> Any:
    from django.urls import reverse

    url = reverse("gates:screen_permit", kwargs=post_gate(w)) + f"?passage={_refused(w).pk}"
    return f.page(url, with_field="reason", reason="矩阵 就医")


WRITES: dict[str, Any] = {
    # The form posts the passage it is about (a hidden field), so the URL needs no ?passage=.
    "gates:screen_permit": Write(post_gate, _permit_request_form, like(at_post), table="containment_permit"),
    "gates:screen": Write(post_gate, _screen_form, like(at_post, ok=200), table="gates_passage"),
    "gates:screen_visitor": Write(post_gate, _visitor_form, like(at_post, ok=200), table="gates_visitor"),
}
READS: dict[str, Any] = {"gates:screen_start": None, "gates:screen_lookup": None, "gates:screen_bundle": None,
                         "gates:screen_worker": None, "gates:screen_permits": None}
