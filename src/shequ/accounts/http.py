"""The typed request of a logged-in user (core/http.py says why requests are typed)."""

from __future__ import annotations

from shequ.accounts.models import User
from shequ.core.http import ScopedRequest


class AuthenticatedRequest(ScopedRequest):
    """A request that authentication let through (an API route, a page behind a login check):
    ``request.user`` is a ``User``, not the anonymous user."""

    user: User
