"""Alert routes in the authorization matrix: secretary and staff of a community (outsider is staff of
nanxincun, so the list opens for them with their own community's alerts), and grid workers (the
alerts about their grid's persons; they do not acknowledge)."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, only

ROUTES: dict[str, Any] = {
    # Grid workers read the alerts about persons of their grid (a positive tube's people).
    "alerts:list": (lambda w: {}, only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200,
                                        "outsider": 200}, 403)),
    "alerts:acknowledge": (lambda w: {"pk": 10**9}, only({}, 405)),
}
