"""Elder mode (长辈模式): larger type and targets, one task per screen.

Residents start in it; anyone may turn it on or off (a button in the menu, on elder mode's home and
on the login page). The choice is a cookie of this browser, like the language: it needs no account,
so the login page can be read in elder mode too. In elder mode the root font size is 112.5 % of the
browser's (18 px at the default 16 px, and more when the user asked the browser for larger text),
the home page is the menu as large tiles (menu.py), and every other page has a way back to it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shequ.core.scoping import ANONYMOUS, RESIDENT, Scope

COOKIE = "shequ_elder"
COOKIE_MAX_AGE = 365 * 24 * 3600


def elder_mode(request: HttpRequest) -> bool:
    """The browser's choice if it made one; otherwise on for residents, off for everyone else."""
    chosen = request.COOKIES.get(COOKIE)
    if chosen in ("1", "0"):
        return chosen == "1"
    scope: Scope = getattr(request, "scope", ANONYMOUS)
    return bool(scope.roles) and scope.roles <= {RESIDENT}


@require_POST
def elder_mode_set(request: HttpRequest) -> HttpResponse:
    """Turn elder mode on (``elder=on``) or off, then go back to ``next`` (a page of this site)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(COOKIE, "1" if request.POST.get("elder") == "on" else "0", max_age=COOKIE_MAX_AGE,
                        samesite="Lax", httponly=True, secure=settings.SESSION_COOKIE_SECURE)
    return response


def context(request: HttpRequest) -> dict[str, Any]:
    return {"elder_mode": SimpleLazyObject(lambda: elder_mode(request))}
