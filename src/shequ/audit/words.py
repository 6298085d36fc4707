"""How the summaries of audit events read, each app declaring its own (as apps declare alert kinds).

The log stores a summary as code wrote it, in English (audit/models.py); it is append-only, so the
words of an old event cannot be rewritten and must be read. An app lists, in its ``audit_words.py``,
one :class:`Words` per summary format its services write: the object type and action of the event,
a regular expression the whole summary matches, the sentence in the reader's language (a gettext
msgid with ``%(group)s`` parameters) and, for a group that is a code rather than text, how it reads
(an id as the object's name, a choice code as its label, an English word as its translation). It
registers them in its ``AppConfig.ready``; the audit app knows no app and imports none.

A summary no pattern matches is never shown as written: audit/describe.py falls back to a sentence
built from the action and the object's name. tests/audit/test_words.py writes every audited act of
every app through its service and asserts that its Chinese sentence has no English left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import pgettext

# Reads one group of a match: its text, and a lookup that names an object from a model name and id.
Lookup = Callable[[str, int], str]
ValueReader = Callable[[str, Lookup], str]


@dataclass(frozen=True, eq=False)
class Words:
    # The event's object type (a model name, "" for an event about no object) and action ("" any).
    object_type: str
    pattern: str
    sentence: str | Promise
    action: str = ""
    # group -> how it reads; a group not listed is shown as written (a name, a code, a number).
    values: Mapping[str, ValueReader] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.DOTALL))


_WORDS: dict[str, list[Words]] = {}
# What an export's "<what>" reads as: (pattern, sentence part, readers).
_LISTS: list[Words] = []


def register(*words: Words) -> None:
    """Called from an app's ``AppConfig.ready``; registering the same entry again does nothing."""
    for w in words:
        if w.action == "export" and w.object_type == "*list":
            if w not in _LISTS:
                _LISTS.append(w)
            continue
        entries = _WORDS.setdefault(w.object_type, [])
        if w not in entries:
            entries.append(w)


def export_list(pattern: str, name: str | Promise, **values: ValueReader) -> Words:
    """The name of a list an app exports (``export_record(what=...)``), as an export's sentence reads it."""
    return Words("*list", pattern, name, action="export", values=values)


_FILTERS: dict[str, tuple[str | Promise, ValueReader | None]] = {}


def register_filters(**filters: tuple[str | Promise, ValueReader | None]) -> None:
    """Query parameters of an app's exported lists (``status=close_contact``): key -> (label, reader)."""
    _FILTERS.update(filters)


_SNAPSHOTS: dict[tuple[str, str], tuple[str | Promise, ValueReader | None]] = {}


def register_snapshot(model_name: str, **keys: tuple[str | Promise, ValueReader | None]) -> None:
    """Keys of an event's before/after that are no field of its object's model (a user's event holds
    its membership: ``role``, ``grid``...): key -> (label, reader), as the log shows them."""
    for key, spec in keys.items():
        _SNAPSHOTS[(model_name, key)] = spec


def snapshot_key(model_name: str, key: str) -> tuple[str | Promise, ValueReader | None] | None:
    return _SNAPSHOTS.get((model_name, key))


def read_filter(key: str, value: str, lookup: Lookup) -> tuple[str, str] | None:
    found = _FILTERS.get(key)
    if found is None:
        return None
    label, reader = found
    return str(label), (reader(value, lookup) if reader is not None else value)


def find(object_type: str, action: str, summary: str) -> tuple[Words, re.Match[str]] | None:
    for w in _WORDS.get(object_type, []):
        if w.action and w.action != action:
            continue
        m = w.regex.fullmatch(summary)  # type: ignore[attr-defined]
        if m is not None:
            return w, m
    return None


def find_list(what: str) -> tuple[Words, re.Match[str]] | None:
    for w in _LISTS:
        m = w.regex.fullmatch(what)  # type: ignore[attr-defined]
        if m is not None:
            return w, m
    return None


def read(words: Words, m: re.Match[str], lookup: Lookup) -> str:
    params: dict[str, Any] = {}
    for name, text in m.groupdict().items():
        text = text or ""
        reader = words.values.get(name)
        params[name] = reader(text, lookup) if reader is not None and text else text
    return str(words.sentence) % params if params else str(words.sentence)


def registered() -> dict[str, list[Words]]:
    return {k: list(v) for k, v in _WORDS.items()}


# -- how a group reads --------------------------------------------------------------------------------

def ref(model_name: str) -> ValueReader:
    """An id of a ``model_name`` object: its name (a person by name and address)."""
    def reader(text: str, lookup: Lookup) -> str:
        return lookup(model_name, int(text)) if text.isdigit() else text
    return reader


def place(text: str, lookup: Lookup) -> str:
    """``building=12``: the model's name and the object's (楼栋 富通小区 9号楼)."""
    model_name, _sep, pk = text.partition("=")
    model = _model(model_name)
    if model is None or not pk.isdigit():
        return text
    return f"{model._meta.verbose_name} {lookup(model_name, int(pk))}"


def choice(model_name: str, field_name: str) -> ValueReader:
    """A choice code of a model's field as its label (``negative`` -> 阴性)."""
    def reader(text: str, lookup: Lookup) -> str:
        model = _model(model_name)
        if model is None:
            raise ImproperlyConfigured(f"audit words: no model {model_name!r}")
        f = model._meta.get_field(field_name)
        return str(dict(getattr(f, "choices", None) or []).get(text, text))
    return reader


def fields(model_name: str) -> ValueReader:
    """A comma-separated list of field names as their verbose names."""
    def reader(text: str, lookup: Lookup) -> str:
        model = _model(model_name)
        names = [n.strip() for n in text.split(",") if n.strip()]
        out = []
        for n in names:
            try:
                out.append(str(model._meta.get_field(n).verbose_name) if model is not None else n)  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001 - a field removed since the event was written
                out.append(n)
        return pgettext("list separator", ", ").join(out)
    return reader


def translated(mapping: Mapping[str, str | Promise]) -> ValueReader:
    """An English word code writes (``requested``, ``reissued``) as its translation."""
    def reader(text: str, lookup: Lookup) -> str:
        return str(mapping.get(text, text))
    return reader


def _model(model_name: str) -> type[models.Model] | None:
    for model in apps.get_models():
        if model._meta.model_name == model_name:
            return model
    return None
