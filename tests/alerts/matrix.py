"""Alert routes in the authorization matrix: secretary and staff of a community (outsider is staff of
nanxincun, so the list opens for them with their own community's alerts)."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, only

ROUTES: dict[str, Any] = {
    "alerts:list": (lambda w: {}, only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)),
    "alerts:acknowledge": (lambda w: {"pk": 10**9}, only({}, 405)),
}
