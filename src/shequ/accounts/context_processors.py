from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shequ.core.scoping import ANONYMOUS


def scope(request: HttpRequest) -> dict[str, Any]:
    return {"scope": getattr(request, "scope", ANONYMOUS)}
