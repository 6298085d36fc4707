"""Adding a gate (issue 18 set-up in the app) in the authorization matrix (merged by
tests/test_authorization_matrix.py). POST only; outsider posts futong's compound, which is not among
their choices: refused as a form error, nothing written."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.test_authorization_matrix import ANON, Write, only, refused

ROUTES: dict[str, Any] = {"gates:gate_add": (lambda w: {}, only({}, 405))}


def _add(w: Any, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff"):
        return 302, True
    return refused({ANON: 302, "outsider": 302}.get(role, 403))


WRITES = {
    "gates:gate_add": Write(lambda w: {}, lambda w, f: f.page(reverse("gates:gates"), action=reverse("gates:gate_add"),
                                                              compound=str(w.compound.pk), name="矩阵门"), _add),
}
READS: dict[str, Any] = {}
