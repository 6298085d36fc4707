"""Job routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

A job's page and download are its starter's only (tests/jobs/test_jobs.py); the matrix's object is
a job that does not exist: a 404 for every account, the login page for anonymous."""

from __future__ import annotations

from typing import Any

from tests.test_authorization_matrix import ANON, only

ROUTES: dict[str, Any] = {
    "jobs:detail": (lambda w: {"pk": 10**9}, only({ANON: 302}, 404)),
    "jobs:download": (lambda w: {"pk": 10**9}, only({ANON: 302}, 404)),
}
READS: dict[str, Any] = {"jobs:detail": None, "jobs:download": None}
