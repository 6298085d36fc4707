"""Pages and exports that carry personal data are never kept by a browser or a proxy.

A view that shows or exports personal data (names, addresses, numbers even masked, health facts)
declares it with ``@personal_data``. Its responses, whatever their status, are sent with
``Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private``: nothing is written to
the disk cache of a shared office computer, kept by a proxy, or shown again from the cache after
logging out. ``tests/core/test_privacy.py`` fails for a route of an app that holds personal data
whose view does not declare it (or is not listed there as holding none).

The mark (``view.personal_data``) is carried through the other decorators, which copy the wrapped
function's attributes (functools.wraps).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

View = TypeVar("View", bound=Callable[..., HttpResponse])


def personal_data(view: View) -> View:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    wrapped.personal_data = True  # type: ignore[attr-defined]  # a mark on the function
    return cast(View, wrapped)  # the view's own signature (functools.wraps)


def declares_personal_data(view: Any) -> bool:
    return bool(getattr(view, "personal_data", False))
