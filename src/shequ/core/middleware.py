"""Turn a missing PDF font into a page that says what to install, instead of a server error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.core.pdf import FontMissing


class PdfFontMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if isinstance(exception, FontMissing):
            return render(request, "pdf_font_missing.html", {"message": str(exception)}, status=503)
        return None
