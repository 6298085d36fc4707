"""Walking what a logged-in role can reach: every link from the pages it opens, the exports and PDFs
those links lead to, and the routes of the authorization matrix, each response as text.

Bounded: a route (URL name and the names of its query parameters) is opened at most ``per_route``
times, and the walk stops after ``limit`` responses. Only GETs: nothing is changed on the way (a
GET that changes state is a bug the authorization matrix reports)."""

from __future__ import annotations

import html
import io
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

# Not pages of the app: leaving them out keeps the walk on what the role's work shows.
SKIPPED_PREFIXES = ("/static/", "/admin/", "/i18n/", "/accounts/logout/", "/api/v1/docs")
_HREF = re.compile(r"""href\s*=\s*["']([^"'#]+)""")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Page:
    url: str
    name: str
    status: int
    content_type: str
    text: str


def response_text(response: object) -> str:
    """The text a person reading the response would see: HTML and JSON as they are, every cell of a
    spreadsheet, the text of every page of a PDF."""
    content_type = response.get("Content-Type", "")  # type: ignore[attr-defined]
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content  # type: ignore[attr-defined]
    if content_type.startswith(XLSX):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(" ".join("" if v is None else str(v) for v in row)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    if content_type.startswith("application/pdf"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).replace("\x00", "")
    if content_type.startswith("image/"):
        return ""
    return body.decode("utf-8", errors="replace")


def _route(url: str) -> str | None:
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"})
    return f"{match.view_name}?{','.join(keys)}"


def links(page_html: str) -> Iterator[str]:
    for raw in _HREF.findall(page_html):
        url = html.unescape(raw).strip()
        if url.startswith("/") and not url.startswith("//") and not url.startswith(SKIPPED_PREFIXES):
            parts = urlsplit(url)
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            yield parts.path + (f"?{urlencode(query)}" if query else "")


def crawl(client: Client, start: Iterable[str], *, per_route: int = 3, limit: int = 400) -> list[Page]:
    """GET ``start`` and every internal link reachable from there, breadth first, within the bounds."""
    queue = deque(start)
    seen: set[str] = set()
    opened: dict[str, int] = {}
    pages: list[Page] = []
    while queue and len(pages) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIPPED_PREFIXES):
            continue
        seen.add(url)
        name = _route(url)
        if name is None or opened.get(name, 0) >= per_route:
            continue
        opened[name] = opened.get(name, 0) + 1
        response = client.get(url)
        if response.status_code in (301, 302):
            location = response["Location"]
            if location.startswith("/") and "/accounts/login/" not in location:
                queue.appendleft(location)
            continue
        text = response_text(response) if response.status_code == 200 else ""
        content_type = response.get("Content-Type", "")
        pages.append(Page(url, name, response.status_code, content_type, text))
        if content_type.startswith("text/html"):
            queue.extend(links(text))
    return pages
