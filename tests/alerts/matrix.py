"""Alert routes in the authorization matrix: secretary and staff of a community (outsider is staff of
nanxincun, so the list opens for them with their own community's alerts), and grid workers (the
alerts about their grid's persons; they do not acknowledge)."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, Write, only, refused

ROUTES: dict[str, Any] = {
    # Grid workers read the alerts about persons of their grid (a positive tube's people).
    "alerts:list": (lambda w: {}, only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200,
                                        "outsider": 200}, 403)),
    "alerts:acknowledge": (lambda w: {"pk": 10**9}, only({}, 405)),
}


def _alert(w: Any) -> dict[str, int]:
    """An open alert of futong, raised for the matrix (a positive tube of a round that is not there)."""
    from shequ.alerts.models import Alert
    from shequ.alerts.services import alert_raise
    from shequ.campaigns.alert_kinds import TUBE_POSITIVE

    found = Alert.objects.filter(community_id=w.building.community_id, params__matrix=True).first()
    if found is None:
        found = alert_raise(community_id=w.building.community_id, kind=TUBE_POSITIVE.code,
                            params={"campaign": "矩阵", "tube": "M-1", "count": 1, "matrix": True})
    return {"pk": found.pk}


def _acknowledge(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff"):
        return 302, True
    return refused({ANON: 302, "outsider": 404}.get(role, 403))


WRITES = {"alerts:acknowledge": Write(_alert, lambda w, f: {}, _acknowledge)}
READS = {"alerts:list": None}
