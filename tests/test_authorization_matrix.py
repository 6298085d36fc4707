"""Every URL and every API route, with every role and anonymous, against the expected outcome.

The expectations are written from the roles' ground truth (which grid a building is in, which
company manages a compound), not from the Scope code under test. A route that has no entry in
ROUTES fails test_every_route_is_in_the_matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shequ.accounts.models import Membership
from shequ.core import pdf
from shequ.registry.models import Building, Compound, Grid, Person

ANON = None
ALL = ["secretary", "staff", "grid1", "grid2", "gate1", "volunteer1", "property1", "sampler1", "street",
       "resident1", "outsider", ANON]


def _walk(patterns: list[Any], ns: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}".strip(":") if p.namespace else ns
            yield from _walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            yield f"{ns}:{p.name}".strip(":")


class World:
    """Ground truth about the anchor objects, read with plain queries."""

    def __init__(self, household: Any) -> None:
        self.household = household
        self.room = household.room
        self.building: Building = household.room.unit.building
        self.compound: Compound = self.building.compound
        self.person: Person = household.persons.filter(status="active").order_by("id").first()
        self.grid: Grid = self.building.grid
        self.grid_of = {
            m.user.username: m.grid_id for m in Membership.objects.filter(role="grid_worker").select_related("user")
        }
        company = Membership.objects.get(user__username="property1").property_company_id
        self.property_compounds = set(Compound.objects.filter(property_company_id=company).values_list("id", flat=True))

    def in_grid(self, username: str, *, compound_level: bool = False) -> bool:
        grid_id = self.grid_of.get(username)
        if compound_level:
            return Building.objects.filter(compound=self.compound, grid_id=grid_id).exists()
        return self.building.grid_id == grid_id


def places(w: World, role: str | None, *, compound_level: bool = False) -> int:
    if role is ANON:
        return 302
    if role in ("secretary", "staff"):
        return 200
    if role in ("grid1", "grid2"):
        return 200 if w.in_grid(role, compound_level=compound_level) else 404
    if role == "property1":
        return 200 if w.compound.pk in w.property_compounds else 404
    if role == "outsider":
        return 404
    return 403


def persons(w: World, role: str | None) -> int:
    if role is ANON:
        return 302
    if role in ("secretary", "staff"):
        return 200
    if role in ("grid1", "grid2"):
        return 200 if w.in_grid(role) else 404
    if role == "resident1":
        return 200  # the anchor is resident1's own household
    if role == "outsider":
        return 404
    return 403


def edit(w: World, role: str | None) -> int:
    if role is ANON:
        return 302
    if role in ("secretary", "staff"):
        return 200
    if role in ("grid1", "grid2"):
        return 200 if w.in_grid(role) else 404
    if role == "outsider":
        return 404
    return 403


def lists(w: World, role: str | None) -> int:
    if role is ANON:
        return 302
    return 200 if role in ("secretary", "staff", "grid1", "grid2", "outsider") else 403


def only(allowed: dict[str | None, int], default: int) -> Callable[[World, str | None], int]:
    return lambda w, role: allowed.get(role, default)


def api(rule: Callable[..., int]) -> Callable[[World, str | None], int]:
    """The API follows the page rule, but anonymous is 401 instead of a login redirect."""
    return lambda w, role: 401 if role is ANON else rule(w, role)


# url name -> (kwargs from the world, expected status for a role)
ROUTES: dict[str, tuple[Callable[[World], dict[str, Any]], Callable[[World, str | None], int]]] = {
    # A resident starts in elder mode (shequ/elder.py), whose home is the menu as tiles.
    "home": (lambda w: {}, only({ANON: 302}, 200)),
    "set_language": (lambda w: {}, only({}, 302)),
    # POST only, for everyone (it sets a cookie of the browser): a GET is refused.
    "elder_mode": (lambda w: {}, only({}, 405)),
    "accounts:login": (lambda w: {}, only({ANON: 200}, 302)),
    "accounts:logout": (lambda w: {}, only({}, 405)),
    "registry:compounds": (lambda w: {}, lambda w, r: 302 if r is ANON else 200 if r in (
        "secretary", "staff", "grid1", "grid2", "property1", "outsider") else 403),
    "registry:compound": (lambda w: {"pk": w.compound.pk}, lambda w, r: places(w, r, compound_level=True)),
    "registry:building": (lambda w: {"pk": w.building.pk}, places),
    "registry:room": (lambda w: {"pk": w.room.pk}, places),
    "registry:household": (lambda w: {"pk": w.household.pk}, persons),
    "registry:household_edit": (lambda w: {"pk": w.household.pk}, edit),
    "registry:household_move_out": (lambda w: {"pk": w.household.pk}, edit),
    "registry:person_create": (lambda w: {"household_pk": w.household.pk}, edit),
    "registry:persons": (lambda w: {}, lists),
    "registry:person": (lambda w: {"pk": w.person.pk}, persons),
    "registry:person_edit": (lambda w: {"pk": w.person.pk}, edit),
    "registry:person_move": (lambda w: {"pk": w.person.pk}, edit),
    "registry:person_move_out": (lambda w: {"pk": w.person.pk}, edit),
    "registry:special": (lambda w: {}, lists),
    "registry:grids": (lambda w: {}, lists),
    "registry:grid": (lambda w: {"pk": w.grid.pk}, lambda w, r: 302 if r is ANON else 200 if (
        r in ("secretary", "staff") or (r in ("grid1", "grid2") and w.grid_of[r] == w.grid.pk)) else 404 if r in (
        "grid1", "grid2", "outsider") else 403),
    "registry:search": (lambda w: {}, lists),
    "registry:import": (lambda w: {}, only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)),
    # Nothing was imported in this session, so there are no rejected rows to download.
    "registry:import_rejected": (lambda w: {}, only({ANON: 302, "secretary": 404, "staff": 404, "outsider": 404},
                                                    403)),
    "audit:events": (lambda w: {}, only({ANON: 302, "secretary": 200}, 403)),
    "api:openapi-json": (lambda w: {}, only({}, 200)),
    "api:openapi-view": (lambda w: {}, only({}, 200)),
    "api:api-root": (lambda w: {}, only({}, 404)),
    "api:me": (lambda w: {}, only({ANON: 401}, 200)),
    "api:compounds": (lambda w: {}, api(lambda w, r: 200 if r in (
        "secretary", "staff", "grid1", "grid2", "property1", "outsider") else 403)),
    "api:buildings": (lambda w: {"compound_id": w.compound.pk}, api(lambda w, r: places(w, r, compound_level=True))),
    "api:building": (lambda w: {"building_id": w.building.pk}, api(places)),
    "api:household": (lambda w: {"household_id": w.household.pk}, api(persons)),
    "api:persons": (lambda w: {}, api(lists)),
    "api:person": (lambda w: {"person_id": w.person.pk}, api(persons)),
    "api:grids": (lambda w: {}, api(lists)),
    "api:search": (lambda w: {}, api(lists)),
    "api:counts": (lambda w: {}, api(lambda w, r: 200 if r in ("secretary", "staff", "street", "outsider") else 403)),
    # Django admin: only superusers (none of the roles): everyone is sent to the admin login.
    "admin:index": (lambda w: {}, only({}, 302)),
}


def _merge_app_routes() -> None:
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*/matrix*.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        clash = set(module.ROUTES) & set(ROUTES)
        assert not clash, f"{path}: routes already in the matrix: {sorted(clash)}"
        ROUTES.update(module.ROUTES)


_merge_app_routes()


def test_every_route_is_in_the_matrix() -> None:
    names = {n for n in _walk(get_resolver().url_patterns) if not n.startswith("admin:")}
    missing = sorted(names - set(ROUTES))
    assert not missing, f"routes without an entry in the authorization matrix: {missing}"
    stale = sorted(set(ROUTES) - names - {"admin:index"})
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL, ids=lambda r: r or "anonymous")
def test_role_gets_expected_status_on_every_route(role: str | None, login: Any, anchor_household: Any) -> None:
    world = World(anchor_household)
    client = login(role)
    failures = []
    for name, (kwargs, expected_for) in ROUTES.items():
        url = reverse(name, kwargs=kwargs(world))
        expected = expected_for(world, role)
        if expected == 200 and url.endswith(".pdf") and pdf.font_problem() is not None:
            # A machine without a Chinese font answers a PDF with a page that says what to install
            # (tests/core/test_pdf.py); CI has the font (tests/conftest.py ``cjk_font``).
            expected = 503
        status = client.get(url).status_code
        if status != expected:
            failures.append(f"{name} {url}: expected {expected}, got {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_grid_worker_is_refused_a_household_of_another_grid(login: Any, other_grid_household: Any) -> None:
    client = login("grid1")
    assert client.get(reverse("registry:household", args=[other_grid_household.pk])).status_code == 404
    missing = client.get(reverse("registry:household", args=[10**9]))
    assert missing.status_code == 404


@pytest.mark.django_db
def test_outsider_sees_none_of_futong_in_lists(login: Any) -> None:
    response = login("outsider").get(reverse("api:persons"), {"limit": 500})
    assert response.status_code == 200
    ids = [p["id"] for p in response.json()]
    assert ids and not Person.objects.filter(id__in=ids, community__code="futong").exists()
