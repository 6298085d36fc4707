"""The JSON API under /api/v1 (django-ninja), with its OpenAPI document at /api/v1/openapi.json.

Authentication: the browser's session (with CSRF for writes) or ``Authorization: Bearer <token>``
from ``shequ token create`` (general) or ``shequ gate_device create`` (a gate device). A token is
admitted only by the routes that declare its purpose (core/api_tokens.py). Every read goes through the
same Scope as the pages. Errors are JSON: ``{"message": "..."}`` (plus ``errors`` for invalid input).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import BaseModel

from shequ.accounts import tokencache
from shequ.accounts.access import scope_for
from shequ.accounts.services import api_token_hash, api_token_lookup
from shequ.core import api_tokens
from shequ.core.http import ApiRequest

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sq_...``. A request that sends an Authorization header is a token
    request: if the token is unknown, revoked or of an inactive user, it is a 401, and the browser
    session is not tried (whose CSRF check would answer a script with a 403 about forms)."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if not header:
            return None  # the session may authenticate
        scheme, _space, token = header.strip().partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise AuthenticationError
        user = self.authenticate(request, token.strip())
        if user is None:
            raise AuthenticationError
        return user

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
                device_gate: int | None = found.gate_device.gate_id
            except ObjectDoesNotExist:
                device_gate = None
            purpose = found.purpose
            if device_gate is not None:
                purpose = api_tokens.GATE_DEVICE  # bound to a gate: a gate device, whatever the row says
            elif purpose == api_tokens.GATE_DEVICE:
                return None  # a gate device token whose gate binding is gone is good for nothing
            remembered = tokencache.RememberedToken.of(
                user=found.user, scope=scope_for(found.user, device_gate=device_gate), purpose=purpose)
            tokencache.remember(key_hash, remembered)
        purpose = remembered.purpose
        # The route's declaration (core/api_tokens.py), put on the request by _admit below; a route
        # without one admits general tokens only.
        if purpose not in getattr(request, "token_purposes_admitted", api_tokens.DEFAULT):
            raise PermissionDenied
        user = remembered.user()  # this request's own instance
        api_request = cast(ApiRequest, request)
        api_request.user, api_request.scope = user, remembered.scope
        api_request.token_purpose = purpose
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session; CSRF is checked on unsafe methods, for a logged-in user only
    (without a session a request is simply not authenticated: 401)."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise HttpError(403, _("The request's CSRF token is missing or wrong: reload the page and try again.")) from None

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


def _admit(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Router decorator (ninja's "view" mode, around each operation's run, so before authentication):
    the token purposes the route declared go on the request for TokenAuth."""
    operation = run.__self__  # type: ignore[attr-defined]  # ninja passes the bound Operation.run
    admitted = api_tokens.token_purposes(operation.view_func)

    @functools.wraps(run)
    def run_admitting(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        cast(ApiRequest, request).token_purposes_admitted = admitted
        return run(request, *args, **kwargs)

    return run_admitting


class ErrorField(Schema):
    field: str | None
    reason: str


class Error(Schema):
    """Every error under /api/: a sentence in the user's language, and for invalid input the fields."""

    message: str
    errors: list[ErrorField] | None = None


# The errors any route may answer, documented once for all of them (shequ/errors.py makes them).
ERROR_RESPONSES = {
    400: "The request body cannot be read as JSON.",
    401: "Not logged in, or no valid API token.",
    403: "The role or the token's purpose may not use this route.",
    404: "No such object within what the caller may see, or no such route.",
    413: "The request body is too large.",
    422: "The request is not valid: ``errors`` names the fields.",
    500: "A server error; it is logged.",
    503: "The database cannot be reached; send the request again after ``Retry-After`` seconds.",
}


class ShequAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        """ninja's document, with the errors every route may answer (and their schema) added to
        each operation that does not describe them itself."""
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        error = Error.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(error.pop("$defs", {}))
        schemas["Error"] = error
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for item in document["paths"].values():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_RESPONSES.items():
                    if status in (400, 413) and method == "get":
                        continue
                    responses.setdefault(str(status), {"description": description, "content": ref})
        return document


api = ShequAPI(
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


# ninja's own English message for a body that is not JSON.
_NINJA_PARSE_ERROR = "Cannot parse request body"


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc) == _NINJA_PARSE_ERROR:
        return _error(request, _("The request body cannot be read as JSON."), 400)
    return _error(request, str(exc), exc.status_code)


# What both databases store in an integer column (PostgreSQL bigint, SQLite INTEGER). A larger
# number in a path, query or body (2**70, 99999999999999999999) would fail in the database driver
# as a 500; it is refused here as a 422 naming the field, before the view runs.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _out_of_range(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], int]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _out_of_range(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _out_of_range(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _out_of_range(item, (*path, key))


def _bounded_integers(view: Callable[..., Any]) -> Callable[..., Any]:
    """Router decorator (ninja's "operation" mode: around the view, with the validated arguments)."""

    @functools.wraps(view)
    def bounded(request: HttpRequest, *args: Any, **values: Any) -> Any:
        problems = []
        for name, value in values.items():
            # A schema's fields are named as the client sent them ("offset", "samples.0.person_id");
            # _field() drops the first two parts of a body location.
            base = ("body", name) if isinstance(value, BaseModel) else ("path", name)
            problems += [{"loc": loc, "msg": _("must be between %(min)d and %(max)d") % {"min": INT_MIN, "max": INT_MAX}}
                         for loc, _value in _out_of_range(value, base)]
        if problems:
            raise NinjaValidationError(problems)
        return view(request, *args, **values)

    return bounded


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def _unstorable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The last guard: a value the database cannot store (a number beyond a smaller column's range)
    that no schema refused is still the client's input, not a server error."""
    logger.warning("API input the database could not store: %s", exc)
    return _error(request, _("A value in the request is out of the range the database can store."), 422)


def _register_routers() -> None:
    from shequ.accounts.api import router as accounts_router
    from shequ.campaigns.api import router as campaigns_router
    from shequ.disinfection.api import router as disinfection_router
    from shequ.gates.api import router as gates_router
    from shequ.health.api import router as health_router
    from shequ.notices.api import router as notices_router
    from shequ.registry.api import router as registry_router
    from shequ.services.api import router as services_router
    from shequ.stock.api import router as stock_router
    from shequ.supplies.api import router as supplies_router
    from shequ.workforce.api import router as workforce_router

    for prefix, router in (("/", accounts_router), ("/registry", registry_router), ("/gates", gates_router),
                           ("/campaigns", campaigns_router), ("/health", health_router),
                           ("/supplies", supplies_router), ("/notices", notices_router),
                           ("/disinfection", disinfection_router), ("/stock", stock_router),
                           ("/services", services_router), ("/workforce", workforce_router)):
        router.add_decorator(_admit, mode="view")
        router.add_decorator(_bounded_integers, mode="operation")
        api.add_router(prefix, router)


_register_routers()
