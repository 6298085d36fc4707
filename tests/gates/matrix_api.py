"""Gate API routes in the authorization matrix."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import api, only

SCREEN_ROLES = {"secretary", "staff", "gate1", "volunteer1", "outsider"}

ROUTES: dict[str, Any] = {
    "api:gates": (lambda w: {}, api(lambda w, r: 200 if r in SCREEN_ROLES else 403)),
    # POST only: a GET is refused before anything else.
    "api:gate_passages": (lambda w: {"gate_id": 10**9}, only({}, 405)),
}
