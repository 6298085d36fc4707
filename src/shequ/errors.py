"""Error responses: JSON in the user's language under /api/, pages elsewhere; 503 when the database
is unavailable.

- ``handler400/403/404/500`` (shequ/urls.py) answer JSON ``{"message": ...}`` for a path under
  ``/api/`` and Django's pages for the rest. Django calls them for what no view answered: an
  unknown route, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413), an exception no handler took.
- ``ApiErrorsMiddleware`` turns what remains into JSON: an error response under ``/api/`` that is
  not JSON already (django-ninja's 405 is plain text).
- A database that cannot be reached (PostgreSQL restarting, SQLite locked past its busy timeout) is
  a 503 with ``Retry-After``, JSON for the API and a plain page, which needs no database, for the
  browser. Gate devices and the offline screens queue and send again; nothing was recorded.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 5


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _messages() -> dict[int, str]:
    return {
        400: _("The request is not valid."),
        401: _("Log in or send a valid API token."),
        403: _("Your role may not use this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request body is too large (at most %(mb)s MB).") % {
            "mb": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):g}"},
        500: _("Something went wrong on the server; it has been logged. Try again later."),
        503: _("The database cannot be reached at the moment; try again in a few seconds. Nothing was recorded."),
    }


def _language(request: HttpRequest) -> str:
    # LocaleMiddleware has usually chosen already; an error in a middleware before it has not.
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)


def json_error(request: HttpRequest, status: int, message: str | None = None, **extra: Any) -> JsonResponse:
    with translation.override(_language(request)):
        text = message or _messages().get(status) or _messages()[400 if status < 500 else 500]
        return JsonResponse({"message": str(text), **extra}, status=status,
                            json_dumps_params={"ensure_ascii": False})


def database_unavailable(exc: BaseException | None) -> bool:
    """The database cannot be reached or is busy (worth retrying), as opposed to a bug in SQL."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        # SQLite reports SQL mistakes (no such table, syntax) as OperationalError too: those are bugs.
        text = str(cause).lower()
        return any(word in text for word in ("locked", "busy", "unable to open", "disk i/o"))
    sqlstate = getattr(cause, "sqlstate", None)
    # psycopg: no SQLSTATE when the connection itself failed; 08 connection exception, 53
    # insufficient resources (too many connections), 57P0x shutdown or not yet accepting connections.
    return sqlstate is None or sqlstate[:2] in ("08", "53") or sqlstate.startswith("57P")


def _unavailable(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        response: HttpResponse = json_error(request, 503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        if is_api(request):
            return json_error(request, 413)
        with translation.override(_language(request)):
            return HttpResponse(_messages()[413], status=413, content_type="text/plain; charset=utf-8")
    if is_api(request):
        return json_error(request, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(request, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while it handles the exception (and has logged it), so it is at hand here.
    if database_unavailable(sys.exc_info()[1]):
        return _unavailable(request)
    if is_api(request):
        return json_error(request, 500)
    return defaults.server_error(request)


class ApiErrorsMiddleware:
    """An error response under /api/ that is not JSON becomes JSON (keeping Allow and Retry-After),
    and no response under /api/ is cached: the API answers with personal data (names, addresses,
    masked numbers), as the pages that declare ``@personal_data`` do (core/privacy.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request):
            return response
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            converted = json_error(request, response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    converted[header] = response[header]
            response = converted
        add_never_cache_headers(response)
        return response
