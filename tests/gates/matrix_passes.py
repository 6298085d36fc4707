"""Pass routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

passes.manage: secretary, staff, and grid workers for the persons of their own grid (a person,
household, building or grid of another grid is a 404, like anything of another community for
outsider). The resident's own passes page is for residents only."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, Write, edit, key, like, only

# Secretary and staff, and grid workers within their grid: the same rule as registry editing.
manage = edit


def manage_grid(w: Any, role: str | None) -> int:
    """The anchor's grid: only its own grid workers among grid workers."""
    if role in ("grid1", "grid2"):
        return 200 if w.grid_of[role] == w.grid.pk else 404
    return manage(w, role)


ROUTES: dict[str, Any] = {
    "gates:passes": (lambda w: {}, only({ANON: 302, "secretary": 200, "staff": 200, "grid1": 200, "grid2": 200,
                                         "outsider": 200}, 403)),
    "gates:passes_own": (lambda w: {}, only({ANON: 302, "resident1": 200}, 403)),
    "gates:pass_person": (lambda w: {"pk": w.person.pk}, manage),
    # GET is the confirmation page; only a POST issues.
    "gates:pass_issue": (lambda w: {"pk": w.person.pk}, manage),
    "gates:pass_household": (lambda w: {"pk": w.household.pk}, manage),
    "gates:pass_cards_household": (lambda w: {"pk": w.household.pk}, manage),
    "gates:pass_cards_building": (lambda w: {"pk": w.building.pk}, manage),
    "gates:pass_cards_grid": (lambda w: {"pk": w.grid.pk}, manage_grid),
    # POST only: starts the background job of the whole community's cards.
    "gates:pass_cards_community": (lambda w: {}, only({}, 405)),
}


def _whole_community(w: Any, role: str | None) -> tuple[int, bool | str]:
    """Those who manage a whole community (outsider: staff of nanxincun, their own) start the job;
    grid workers, who manage a grid, and everyone else are refused."""
    if role is ANON:
        return 302, False
    if role in ("secretary", "staff", "outsider"):
        return 302, True
    return 403, False


def _issue_form(w: Any, f: Any) -> Any:
    from django.urls import reverse

    return f.page(reverse("gates:pass_issue", args=[w.person.pk]), with_field="submission_key")


def _cards_form(w: Any, f: Any) -> dict[str, Any]:
    return {"submission_key": key(), "invite_codes": "1"}


def _with_codes(rule: Any) -> Any:
    allowed = like(rule, ok=200)

    def expect(w: Any, role: str | None) -> tuple[int, bool | str]:
        status, writes = allowed(w, role)
        if writes and role not in ("secretary", "staff"):
            return 403, False
        return status, writes
    return expect


WRITES: dict[str, Any] = {
    "gates:pass_issue": Write(lambda w: {"pk": w.person.pk}, _issue_form, like(manage)),
    # Printing cards issues the passes still missing and is written to the audit log as an export,
    # whatever the method. The matrix ticks "print a new invite code" (accounts.manage: secretary and
    # staff; a grid worker who may print is refused the codes with a 403 and nothing is written).
    "gates:pass_cards_household": Write(lambda w: {"pk": w.household.pk}, _cards_form, _with_codes(manage)),
    "gates:pass_cards_building": Write(lambda w: {"pk": w.building.pk}, _cards_form, _with_codes(manage)),
    "gates:pass_cards_grid": Write(lambda w: {"pk": w.grid.pk}, _cards_form, _with_codes(manage_grid)),
    # The print and its audit event happen in the worker (tests/jobs/test_kinds.py); the page records the job.
    "gates:pass_cards_community": Write(lambda w: {}, lambda w, f: {"submission_key": key()}, _whole_community,
                                        table="jobs_job"),
}
READS: dict[str, Any] = {"gates:passes": None, "gates:passes_own": None, "gates:pass_person": None,
                         "gates:pass_household": None}
