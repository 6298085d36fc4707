"""The JSON API under /api/v1 (django-ninja), with its OpenAPI document at /api/v1/openapi.json.

Authentication: the browser's session (with CSRF for writes) or ``Authorization: Bearer <token>``
from ``shequ token create``. Every read goes through the same Scope as the pages. Errors are JSON:
``{"message": "..."}`` (plus ``errors`` for invalid input).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from shequ.accounts import tokencache
from shequ.accounts.services import api_token_hash, api_token_lookup
from shequ.core.scoping import scope_for


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # A device posts several times a second with the same token: what authenticating it produced
        # is remembered in this process for API_TOKEN_CACHE_SECONDS (accounts/tokencache.py says
        # what that trades).
        key_hash = api_token_hash(token)
        remembered = tokencache.recall(key_hash)
        if remembered is None:
            # The gate a device token is bound to comes with the token in one query (this module
            # sits above both accounts and gates, so it may name the relation).
            found = api_token_lookup(token, related=("gate_device",))
            if found is None:
                return None
            try:
                device_gate: int | None = found.gate_device.gate_id  # type: ignore[attr-defined]
            except ObjectDoesNotExist:
                device_gate = None
            remembered = (found.user, scope_for(found.user, device_gate=device_gate))
            tokencache.remember(key_hash, remembered)
        request.user, request.scope = remembered  # type: ignore[attr-defined]
        return request.user


class SessionAuth(APIKeyCookie):
    """The browser's Django session; ninja checks CSRF on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
    title="Shequ API",
    version="1",
    description="Registry reads for gate devices and integrations. Numbers are masked as on the pages.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, message: str, status: int, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"message": message, **extra}, status=status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, _("Not found."), 404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, _("Your role may not use this."), 403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, _("Log in or send a valid API token."), 401)


def _field(loc: list[Any] | tuple[Any, ...]) -> str | None:
    """("body", "data", "mask") -> "mask": the field as the client sent it, without ninja's
    location and the view's argument name; ("query", "limit") -> "limit"."""
    parts = list(loc)
    parts = parts[2:] if parts[:1] == ["body"] and len(parts) > 2 else parts[1:]
    return ".".join(str(p) for p in parts) or None


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [{"field": _field(e.get("loc", [])), "reason": e.get("msg", "")} for e in exc.errors]
    return _error(request, _("The request is not valid."), 422, errors=errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, str(exc), exc.status_code)


def _register_routers() -> None:
    from shequ.accounts.api import router as accounts_router
    from shequ.campaigns.api import router as campaigns_router
    from shequ.gates.api import router as gates_router
    from shequ.registry.api import router as registry_router

    api.add_router("/", accounts_router)
    api.add_router("/registry", registry_router)
    api.add_router("/gates", gates_router)
    api.add_router("/campaigns", campaigns_router)


_register_routers()
