"""core.forms.submit_once: a state change runs once per submitted form, in one transaction, and a
service's refusal is shown the same way on every page (on the form's fields, or as messages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from shequ.core.forms import OnceForm, add_service_errors, submit_once
from shequ.core.models import SubmissionKey
from shequ.core.submission import FIELD, new_key


class _Form(OnceForm):
    name = forms.CharField()
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def _post(users: dict[str, Any], key: str) -> Any:
    request = RequestFactory().post("/anywhere/", {FIELD: key})
    request.user = users["staff"]
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _refuse(**errors: str) -> Any:
    def action() -> str:
        SubmissionKey.objects.create(key=new_key(), result_url="/written-before-the-refusal/")
        raise ValidationError(errors or "The whole thing is refused.")

    return action


def test_a_once_form_carries_a_fresh_key_until_it_is_bound() -> None:
    first, second = _Form(), _Form()
    assert first.initial[FIELD] != second.initial[FIELD]
    assert FIELD not in _Form({"name": "x"}).initial


def test_the_service_error_lands_on_the_field_it_names_and_the_rest_at_the_top() -> None:
    form = _Form({"name": "张三"})
    form.is_valid()
    add_service_errors(form, ValidationError({"name": "A name is too short.", "secret": "Hidden.",
                                              "household": "Not on this form."}))
    assert form.errors["name"] == ["A name is too short."]
    assert form.non_field_errors() == ["Hidden.", "Not on this form."]


def test_a_refusal_goes_onto_the_form_and_keeps_nothing(users: dict[str, Any]) -> None:
    form = _Form({"name": "张三"})
    form.is_valid()
    before = SubmissionKey.objects.count()
    assert submit_once(_post(users, new_key()), _refuse(name="Refused."), form=form) is None
    assert form.errors["name"] == ["Refused."]
    assert SubmissionKey.objects.count() == before  # the action's write and the key were rolled back


def test_a_refusal_without_a_form_becomes_the_pages_messages(users: dict[str, Any]) -> None:
    request = _post(users, new_key())
    assert submit_once(request, _refuse()) is None
    assert [str(m) for m in get_messages(request)] == ["The whole thing is refused."]


def test_the_same_form_sent_twice_runs_once(users: dict[str, Any]) -> None:
    key, runs = new_key(), []

    def action() -> str:
        runs.append(1)
        return "/the-result/"

    assert submit_once(_post(users, key), action) == "/the-result/"
    assert submit_once(_post(users, key), action) == "/the-result/"
    assert runs == [1]
