"""Pages and exports with personal data are sent with Cache-Control: no-store (core/privacy.py)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shequ.core.privacy import declares_personal_data, personal_data

# The apps whose pages show or export personal data, and the home page.
PERSONAL = ("registry", "gates", "containment", "campaigns", "audit", "alerts", "accounts", "health", "services",
            "supplies", "workforce", "jobs")
# Routes of those apps that hold none, and why.
NO_PERSONAL_DATA = {
    "gates:screen_worker": "the gate screen's service worker script: code only, the same for everyone",
    "accounts:login": "the login form: the username typed, nothing stored",
    "accounts:logout": "POST only: logs out and redirects",
    "services:ledger_xlsx": "counts of help requests per day, category and grid: no person",
    "supplies:refills": "POST only: makes the refill orders and redirects",
    "health:settings": "a community's quarantine policies, epidemic-free rule and its compounds' control items: no person",
    "workforce:join": "the public volunteer sign-up form: what the visitor types, nothing stored shown",
}


def _routes(patterns: list[Any], ns: str = "") -> Iterator[tuple[str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, f"{ns}:{p.namespace}".strip(":") if p.namespace else ns)
        elif isinstance(p, URLPattern):
            yield f"{ns}:{p.name}".strip(":"), p.callback


def test_every_page_of_the_apps_with_personal_data_declares_it() -> None:
    undeclared = [
        f"{name} ({inspect.unwrap(view).__module__}.{inspect.unwrap(view).__name__})"
        for name, view in _routes(get_resolver().url_patterns)
        if (name == "home" or name.split(":")[0] in PERSONAL)
        and name not in NO_PERSONAL_DATA and not declares_personal_data(view)
    ]
    assert not undeclared, f"views without @personal_data: {undeclared}"
    assert set(NO_PERSONAL_DATA) <= {name for name, _view in _routes(get_resolver().url_patterns)}


@pytest.mark.parametrize("status", [200, 302, 403, 404])
def test_every_response_of_a_declared_view_is_no_store(status: int) -> None:
    view = personal_data(lambda request: HttpResponse(status=status))
    response = view(RequestFactory().get("/"))
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private", "max-age=0"} <= directives


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs", "query"), [
    ("home", {}, ""),
    ("registry:persons", {}, ""),
    ("registry:persons", {}, "?format=xlsx"),
    ("registry:special", {}, "?format=xlsx"),
    ("registry:grids", {}, "?format=xlsx"),
    ("registry:search", {}, "?q=9-2-502"),
    ("audit:events", {}, ""),
    ("containment:index", {}, ""),
    ("gates:out", {}, ""),
    ("campaigns:list", {}, ""),
])
def test_pages_and_exports_are_sent_no_store(login: Any, name: str, kwargs: dict[str, Any], query: str) -> None:
    response = login("secretary").get(reverse(name, kwargs=kwargs) + query)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_household_and_person_pages_are_sent_no_store(login: Any, anchor_household: Any) -> None:
    client = login("grid1")
    person = anchor_household.persons.filter(status="active").first()
    for url in (reverse("registry:household", args=[anchor_household.pk]),
                reverse("registry:person", args=[person.pk]),
                reverse("registry:person_edit", args=[person.pk])):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], url


@pytest.mark.django_db
def test_every_api_response_is_sent_no_store(anchor_household: Any) -> None:
    """The API answers with names, addresses and (masked) numbers: a proxy or a device's cache keeps
    none of it, whether the answer is data or an error."""
    from shequ.accounts.models import User
    from shequ.accounts.services import api_token_create

    key = api_token_create(user=User.objects.get(username="secretary"))[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    person = anchor_household.persons.filter(status="active").first()
    for url in (reverse("api:persons"), reverse("api:person", args=[person.pk]),
                reverse("api:household", args=[anchor_household.pk]), reverse("api:search") + "?q=9-2-502",
                reverse("api:persons") + "?offset=99999999999999999999", "/api/v1/no-such-route"):
        response = client.get(url)
        directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        assert {"no-store", "private"} <= directives, (url, response.status_code)
    assert "no-store" in Client(HTTP_AUTHORIZATION="Bearer sq_nope").get(reverse("api:persons"))["Cache-Control"]
