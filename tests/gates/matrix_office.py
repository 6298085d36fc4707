"""Gate office routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

The anchor gate is gate1's post, 富通小区 东门 in futong, found with a plain query (ground truth),
not through the Scope under test. outsider is staff of another community: the office pages open
for them (their own community's gates) but futong's gate and compound are a 404."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, only


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
