"""Typed requests: what the middleware and the API's authentication put on a request, for mypy.

Healthchecks' ``hc/accounts/http.py`` is the model: a view that relies on an attribute the
middleware sets declares it by the type of its ``request`` argument, instead of a ``type: ignore``
at every use. ``request.user`` keeps the type django-stubs gives it (the user model, or the
anonymous user); the services take the actor as it is.
"""

from __future__ import annotations

from django.http import HttpRequest

from shequ.core.scoping import Scope


class ScopedRequest(HttpRequest):
    """Every request of a page or of the API: ``request.scope`` is the user's Scope (``ANONYMOUS``
    for nobody), put there by ``accounts.middleware.ScopeMiddleware`` and, for a token request, by
    the API's authentication (``shequ/api.py``)."""

    scope: Scope


class ApiRequest(ScopedRequest):
    """A request of the JSON API (``shequ/api.py``). ``token_purposes_admitted``: the token purposes
    the route declared (core/api_tokens.py), set by the routers' decorator before authentication;
    ``token_purpose``: the purpose of the token that authenticated the request, set on token
    requests only (a browser session's request has none: read it with ``getattr`` and a default)."""

    token_purposes_admitted: frozenset[str]
    token_purpose: str

