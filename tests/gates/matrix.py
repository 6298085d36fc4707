"""Gate routes in the authorization matrix (merged by tests/test_authorization_matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, only

LEDGER_ROLES = {"secretary", "staff", "gate1", "outsider"}


def ledger_missing(w: Any, role: str | None) -> int:
    """A passage that does not exist: 404 for whoever may read ledgers, 403 for the rest."""
    if role is ANON:
        return 302
    return 404 if role in LEDGER_ROLES else 403


ROUTES: dict[str, Any] = {
    "gates:passage": (lambda w: {"pk": 10**9}, ledger_missing),
}
__all__ = ["ROUTES", "only"]

READS: dict[str, Any] = {"gates:passage": None}
