from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from shequ.accounts.access import scope_for
from shequ.core.http import ScopedRequest
from shequ.core.scoping import Scope


class ScopeMiddleware:
    """Puts ``request.scope`` (computed on first use) beside ``request.user``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The lazy object stands in for the Scope it computes (attribute access goes through to it).
        cast(ScopedRequest, request).scope = cast(Scope, SimpleLazyObject(lambda: scope_for(request.user)))
        response = self.get_response(request)
        return response


class PasswordChangeMiddleware:
    """An account on a one-time password may do one thing: set its own password. Pages redirect to
    that form; the API answers 403. Logging out, switching the language or elder mode still work."""

    ALLOWED = frozenset({"accounts:password_change", "accounts:logout", "set_language", "elder_mode"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            match = _resolve(request.path_info)
            if match is not None and match.view_name not in self.ALLOWED and not request.path_info.startswith(
                    settings.STATIC_URL):
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"message": _("Change your one-time password first.")}, status=403)
                return redirect("accounts:password_change")
        return self.get_response(request)


def _resolve(path: str) -> Any:
    try:
        return resolve(path)
    except Resolver404:
        return None
