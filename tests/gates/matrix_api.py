"""Gate API routes in the authorization matrix."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import Write, api, only

SCREEN_ROLES = {"secretary", "staff", "gate1", "volunteer1", "outsider"}
NO_SUCH_CLIENT_ID = "00000000-0000-4000-8000-000000000000"


def _post_gate(w: Any) -> int:
    from shequ.gates.models import Gate

    return Gate.objects.get(compound=w.compound, name="东门").pk


def _unknown_passage(w: Any, role: str | None) -> int:
    """A client_id the server never received at gate1's gate: 404 for those who may record there,
    404 too for a screen role that may not see that gate, 403 for roles without the gate screen."""
    return 404 if role in SCREEN_ROLES else 403


ROUTES: dict[str, Any] = {
    "api:gates": (lambda w: {}, api(lambda w, r: 200 if r in SCREEN_ROLES else 403)),
    # POST only: a GET is refused before anything else.
    "api:gate_passages": (lambda w: {"gate_id": 10**9}, only({}, 405)),
    "api:gate_passage": (lambda w: {"gate_id": _post_gate(w), "client_id": NO_SUCH_CLIENT_ID},
                         api(_unknown_passage)),
}


def _passage_body(w: Any, f: Any) -> Any:
    import uuid

    from tests.gates.test_api_helpers import token_of
    from tests.test_authorization_matrix import Json

    return Json({"credential": token_of(w.person), "direction": "in", "temperature": 36.5, "health_code": "green",
                 "mask": True, "client_id": str(uuid.uuid4())})


def _post_passage(w: Any, role: str | None) -> tuple[int, bool | str]:
    """201 and a passage for those who may record at gate1's post; the others change nothing."""
    if role in ("secretary", "staff", "gate1"):
        return 201, True
    return {None: 401, "volunteer1": 404, "outsider": 404}.get(role, 403), False


WRITES: dict[str, Any] = {
    "api:gate_passages": Write(lambda w: {"gate_id": _post_gate(w)}, _passage_body, _post_passage,
                               table="gates_passage"),
}
READS: dict[str, Any] = {"api:gates": 405, "api:gate_passage": 405}
