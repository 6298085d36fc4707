"""Gate office routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The anchor gate is gate1's post, 富通小区 东门 in futong, found with a plain query (ground truth),
not through the Scope under test. outsider is staff of another community: the office pages open
for them (their own community's gates) but futong's gate and compound are a 404."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, Write, like, only


def _post(w: Any) -> Any:
    from shequ.gates.models import Gate

    return Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")


MANAGE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
# The ledger, who is out and counts per hour: secretary, staff, and the guard posted to the gate.
LEDGER_PAGES = only({ANON: 302, "secretary": 200, "staff": 200, "gate1": 200, "outsider": 200}, 403)
ANCHOR_LEDGER = only({ANON: 302, "secretary": 200, "staff": 200, "gate1": 200, "outsider": 404}, 403)
# POST-only routes: a GET is refused before anything else.
POST_ONLY = only({}, 405)

ROUTES: dict[str, Any] = {
    "gates:gates": (lambda w: {}, MANAGE),
    "gates:gate_status": (lambda w: {"pk": _post(w).pk}, POST_ONLY),
    "gates:gate_keep_only": (lambda w: {"pk": _post(w).pk}, POST_ONLY),
    "gates:ledger": (lambda w: {"pk": _post(w).pk}, ANCHOR_LEDGER),
    "gates:out": (lambda w: {}, LEDGER_PAGES),
    "gates:out_compound": (lambda w: {"pk": _post(w).compound_id}, ANCHOR_LEDGER),
    "gates:hourly": (lambda w: {}, LEDGER_PAGES),
    "gates:roster": (lambda w: {}, MANAGE),
    "gates:roster_assign": (lambda w: {}, POST_ONLY),
    "gates:roster_shift_add": (lambda w: {}, POST_ONLY),
    "gates:duty_remove": (lambda w: {"pk": 10**9}, POST_ONLY),
}


# -- writes ---------------------------------------------------------------------------------------------
def _duty(w: Any) -> Any:
    """gate1's duty at the post today (the demo's roster covers this week)."""
    from shequ.gates.ledger import local_today
    from shequ.workforce.models import Assignment

    return Assignment.objects.filter(post__gate=_post(w), date=local_today()).order_by("id").first()


def _roster_form(w: Any, f: Any, with_field: str, **values: Any) -> Any:
    from django.urls import reverse

    return f.page(reverse("gates:roster"), with_field=with_field, **values)


def _assign(w: Any, f: Any) -> Any:
    import datetime as dt

    from shequ.accounts.models import User
    from shequ.gates.ledger import local_today
    from shequ.workforce.models import Shift

    shift = Shift.objects.filter(community_id=w.building.community_id).order_by("starts").first()
    return _roster_form(w, f, "guard", gate=str(_post(w).pk), shift=str(shift.pk),
                        date=(local_today() + dt.timedelta(days=2)).isoformat(),
                        guard=str(User.objects.get(username="volunteer1").pk))


def _gates_form(action_name: str, **values: Any) -> Any:
    from django.urls import reverse

    return lambda w, f: f.page(reverse("gates:gates"), action=reverse(action_name, args=[_post(w).pk]), **values)


def _remove_form(w: Any, f: Any) -> Any:
    from django.urls import reverse

    return f.page(reverse("gates:roster"), action=reverse("gates:duty_remove", args=[_duty(w).pk]))


# Secretary and staff change things; outsider's futong gate, compound or duty is a 404.
MANAGE_WRITE = like(only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 404}, 403))

WRITES: dict[str, Any] = {
    "gates:gate_status": Write(lambda w: {"pk": _post(w).pk}, _gates_form("gates:gate_status", status="closed"),
                               MANAGE_WRITE),
    "gates:gate_keep_only": Write(lambda w: {"pk": _post(w).pk}, _gates_form("gates:gate_keep_only"), MANAGE_WRITE),
    "gates:roster_assign": Write(lambda w: {}, _assign, MANAGE_WRITE),
    "gates:roster_shift_add": Write(lambda w: {}, lambda w, f: _roster_form(w, f, "starts", name="矩阵班",
                                                                             starts="18:00", ends="20:00"),
                                    MANAGE_WRITE),
    "gates:duty_remove": Write(lambda w: {"pk": _duty(w).pk}, _remove_form, MANAGE_WRITE),
}
READS: dict[str, Any] = {"gates:gates": None, "gates:ledger": None, "gates:out": None, "gates:out_compound": None,
                         "gates:hourly": None, "gates:roster": None}
