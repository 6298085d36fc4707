"""Submit a page's form the way a browser would, without a browser.

``form_data(html, "notes")`` reads the page's POST form that has a field "notes": every input, select and textarea with the
value the page gave it, checkboxes only when checked. Like a browser, a date, datetime-local or
time input whose value is not in the HTML standard's format is sent empty (that is how the Chinese
date format erased birth dates). Tests then change the fields the "user" changes and post it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

_STANDARD = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
}


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.forms: list[dict[str, Any]] = []
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.inside = True
            self.data = {}
            self.forms.append(self.data)
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            value = a.get("value", "")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, value or "on")
            elif kind in _STANDARD and value and not _STANDARD[kind].match(value):
                self._add(name, "")  # the browser cannot show it, so it sends nothing
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._add(name, value)
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._add(self._select, value)
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self._add(self._select, self._select_first)
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that may follow <textarea>.
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def _add(self, name: str, value: str) -> None:
        if name in self.data:
            existing = self.data[name]
            self.data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            self.data[name] = value


def form_data(html: str | bytes, field: str) -> dict[str, Any]:
    """What the page's POST form with a field named ``field`` would send (no submit button)."""
    reader = _FormReader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    for data in reader.forms:
        if field in data:
            data.pop("csrfmiddlewaretoken", None)
            return data
    raise AssertionError(f"no POST form with a field {field!r} on the page")
