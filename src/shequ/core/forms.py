"""Form pieces every app uses: date and time inputs that round-trip in every language.

A browser's ``<input type="date">`` takes its value as ``YYYY-MM-DD`` only, ``datetime-local`` as
``YYYY-MM-DDTHH:MM`` and ``time`` as ``HH:MM`` (the HTML standard's formats, whatever the user's
language). Django's own inputs write the active locale's first input format instead: in Chinese
``2021/03/28``, which the browser rejects without a word, shows as empty and submits as empty; in
English a datetime comes out as ``2022-04-01 08:00:00``, which ``datetime-local`` rejects the same
way. So a form that shows a stored date and is saved again erased it. The widgets here write the
standard format always; the fields' parsing already accepts it in both languages.

Form rendering shared by every app: one template per field, one summary of a form's errors.

``{{ field.as_field_group }}`` renders a field as core/forms/field.html: its label, its help text
and its error message, each with the id that Django's ``aria-describedby`` on the input names
(``<id>_helptext``, ``<id>_error``), so that a screen reader reads the message with the field.
``{% form_errors form %}`` (template tag in core/templatetags/shequ.py) puts the form's errors at its
top in an alert that takes the focus when the page opens (static/shequ/shequ.js), each linked to
its field.

Once-only forms and a service's refusal, the same way on every page: ``OnceForm`` carries the
one-time key (core.submission), ``submit_once`` runs the state change once in one transaction and
puts a service's ValidationError on the form's fields (``add_service_errors``) or, on a page that
shows no form of its own, into the page's messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from shequ.core.submission import FIELD, new_key, run_once

ISO_DATE = "%Y-%m-%d"
ISO_MINUTE = "%Y-%m-%dT%H:%M"
HOUR_MINUTE = "%H:%M"


class DateInput(forms.DateInput):
    """``<input type="date">`` with its value as YYYY-MM-DD in every language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` (local time, to the minute) as YYYY-MM-DDTHH:MM."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_MINUTE)


class TimeInput(forms.TimeInput):
    """``<input type="time">`` as HH:MM."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=HOUR_MINUTE)


# -- once-only forms and the service's errors ----------------------------------------------------------


class OnceForm(forms.Form):
    """A form that carries a one-time submission key (see core.submission)."""

    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial[FIELD] = new_key()


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError (keyed by model field) on the form: on the field it names when
    the form shows that field, else at the top of the form."""
    if not hasattr(exc, "error_dict"):  # a message for the whole form (no field named)
        form.add_error(None, exc.messages)
        return
    for field, field_messages in exc.message_dict.items():
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if shown else None, field_messages)


def submit_once(request: HttpRequest, action: Callable[[], str], *, form: forms.Form | None = None) -> str | None:
    """Run ``action`` (a state change through a service; it returns the URL to go to) once per
    submitted form (core.submission.run_once), in one transaction, and return that URL.

    When the service refuses (ValidationError), nothing it did is kept and None is returned; its
    messages go onto ``form`` (each on the field it names, add_service_errors) or, when the page
    shows no form of its own (``form=None``: a button on a list), into the page's messages.
    """
    def atomic() -> str:
        with transaction.atomic():
            return action()

    try:
        return run_once(request, atomic)
    except ValidationError as exc:
        if form is not None:
            add_service_errors(form, exc)
        else:
            for message in exc.messages:
                messages.error(request, message)
        return None


# -- edit forms: a stored value is never emptied behind the user's back -----------------------------

EDITED = "edited"
CONFIRM_EMPTY = "confirm_empty"
NO_SCRIPT = "-"  # the value of EDITED as the server writes it; the page's script replaces it

logger = logging.getLogger(__name__)


class EditForm(forms.Form):
    """A form over stored values (the view passes them as ``initial``) that never turns one into
    nothing unless the user emptied that field.

    A field that holds a value and comes back empty is treated by why it is empty:

    - it is missing from the submission (a template that does not show it, an old page): the
      stored value stays;
    - the page's script (``static/shequ/edit-form.js``, included by ``_edit_guard.html``) lists in
      ``edited`` the fields the user typed in or changed; a field not on that list was emptied by
      the page, not the user (an input that could not show the value, as the date inputs once
      could not), so the stored value stays and a warning is logged;
    - without the script (``edited`` comes back as the server wrote it), the form cannot tell, so
      it asks: the user ticks "yes, empty them" (for exactly the fields listed) or enters them again.

    ``cleared`` then names the fields the user emptied on purpose, for the audit log.
    """

    edited = forms.CharField(widget=forms.HiddenInput(attrs={"data-edited": ""}), required=False, initial=NO_SCRIPT)

    # Fields of the form that are not stored values (plumbing, one-time keys).
    not_stored: frozenset[str] = frozenset({EDITED, CONFIRM_EMPTY, "submission_key"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cleared: list[str] = []
        self.to_confirm: list[str] = []
        self.kept: list[str] = []

    def _edited_names(self) -> set[str] | None:
        raw = self.data.get(self.add_prefix(EDITED))
        if raw is None or raw == NO_SCRIPT:
            return None
        return set(raw.split())

    def _stored_value(self, field: forms.Field, stored: Any) -> Any:
        try:
            return field.clean(field.prepare_value(stored))
        except ValidationError:
            return stored

    def shown_value(self, name: str) -> str:
        """The stored value of a field as the user knows it (a choice's label, a date as YYYY-MM-DD)."""
        field, stored = self.fields[name], self.initial.get(name)
        choices = dict(getattr(field, "choices", []) or [])
        if stored in choices:
            return str(choices[stored])
        if stored is not None and hasattr(stored, "isoformat"):
            return stored.isoformat()
        return str(stored)

    def clean(self) -> dict[str, Any]:
        # Django's Form.clean() returns self.cleaned_data (typed as possibly None: a subclass's may be);
        # the forms here all change that dict in place.
        super().clean()
        data = self.cleaned_data
        if not self.is_bound or not self.initial:
            return data
        edited = self._edited_names()
        confirmed = set((self.data.get(self.add_prefix(CONFIRM_EMPTY)) or "").split())
        for name, field in self.fields.items():
            if name in self.not_stored or name not in self.initial or name not in data:
                continue
            if self.initial[name] in field.empty_values or data[name] not in field.empty_values:
                continue
            html_name = self.add_prefix(name)
            omitted = field.widget.value_omitted_from_data(self.data, self.files, html_name)
            if omitted or (edited is not None and html_name not in edited):
                data[name] = self._stored_value(field, self.initial[name])
                self.kept.append(name)
                logger.warning("%s: %s came back empty without the user emptying it; the stored value is kept",
                               type(self).__name__, name)
            elif edited is None and name not in confirmed:
                self.to_confirm.append(name)
            else:
                self.cleared.append(name)
        if self.to_confirm:
            listed = pgettext("list separator", ", ").join(
                f"{self.fields[n].label} ({self.shown_value(n)})" for n in self.to_confirm)
            raise ValidationError(
                _("Saving would empty %(fields)s. Enter the value again, or tick “Yes, empty it” and save."),
                code="confirm_empty", params={"fields": listed},
            )
        return data

    @property
    def confirm_names(self) -> str:
        """What the "yes, empty it" checkbox confirms: exactly the fields the question listed."""
        return " ".join(self.to_confirm)

    @property
    def confirm_html_name(self) -> str:
        return self.add_prefix(CONFIRM_EMPTY)


def replace_submitted(form: forms.BaseForm, **values: Any) -> None:
    """Puts other values in place of submitted ones, for the form shown again or cleaned: the form
    gets a copy of its data (``request.POST`` is immutable)."""
    # A form's data is a QueryDict (request.POST) or, unbound, an empty MultiValueDict.
    data = cast("MultiValueDict[str, Any]", form.data).copy()
    for name, value in values.items():
        data[name] = value
    form.data = data


class FormRenderer(DjangoTemplates):
    field_template_name = "core/forms/field.html"
