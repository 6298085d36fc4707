"""Submitting a page's form as a browser would: the fields and values the server rendered (hidden
once-only keys, selected options, checked boxes), with the test's own values on top.

Tests that post the form the page really shows keep working when a form gains a field, and they
send what a user's browser sends, not what the test's author remembered of the form."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._option: dict[str, str] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {},
                          "names": set()}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields, names = self._form["fields"], self._form["names"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            names.add(name)
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    _add(fields, name, a.get("value", "on"), many=kind == "checkbox")
                return
            _add(fields, name, a.get("value", ""), many=False)
        elif tag == "button" and name:
            names.add(name)  # sent only when it is the button pressed: the test says so in ``values``
        elif tag == "select" and name:
            names.add(name)
            self._select, self._select_first = name, None
            self._form["multiple" if "multiple" in a else "single"] = True
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = {"value": value if value is not None else "", "selected": "selected" in a}
            if value is not None:
                self._finish_option()
        elif tag == "textarea" and name:
            names.add(name)
            self._textarea = name
            fields[name] = ""

    def _finish_option(self) -> None:
        assert self._option is not None and self._select is not None and self._form is not None
        value = self._option["value"]
        if self._select_first is None:
            self._select_first = value
        if self._option["selected"]:
            _add(self._form["fields"], self._select, value, many=True)
        self._option = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._form is not None:
            self._form["fields"][self._textarea] += data
        elif self._option is not None:
            self._option["value"] = data.strip()
            self._finish_option()

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            # A single select with nothing selected sends its first option, as a browser does.
            if self._select not in self._form["fields"] and self._select_first is not None:
                self._form["fields"][self._select] = self._select_first
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _add(fields: dict[str, Any], name: str, value: str, *, many: bool) -> None:
    if name in fields and many:
        existing = fields[name]
        fields[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
    else:
        fields[name] = value


def post_forms(html: str) -> list[dict[str, Any]]:
    """The page's POST forms: [{"action": ..., "fields": {name: value or [values]}, "names": {...}}]."""
    parser = _Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["method"] == "post"]


def form_data(html: str, *, with_field: str | None = None, action: str | None = None,
              **values: Any) -> dict[str, Any]:
    """The fields of the page's POST form, updated with ``values``.

    The form is the first POST form whose action ends with ``action`` (when given) and which has a
    field named ``with_field`` (when given); each of ``values`` must be a field the form shows, so a
    renamed field fails the test instead of being sent in vain."""
    for form in post_forms(html):
        if action is not None and not form["action"].endswith(action):
            continue
        if with_field is not None and with_field not in form["names"]:
            continue
        unknown = set(values) - form["names"]
        assert not unknown, f"the form has no fields {sorted(unknown)}; it has {sorted(form['names'])}"
        return {**form["fields"], **values}
    raise AssertionError(f"no POST form with field {with_field!r} and action {action!r} on the page")
