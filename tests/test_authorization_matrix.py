"""Every URL and every API route, with every role and anonymous, against the expected outcome.

The expectations are written from the roles' ground truth (which grid a building is in, which
company manages a compound), not from the Scope code under test. A route that has no entry in
ROUTES fails test_every_route_is_in_the_matrix.

Writes too: every route is either in WRITES (a POST, or the API's write method, with a body that
would change something, the status each role gets, and for whom it writes) or in READS (a POST
changes nothing and answers as a GET does, or 405). Each role posts to every route: where it is
refused (401, 403, 404, 405, or sent to log in) nothing is written, statement by statement
(tests/dbstate.py writes_to) and for the whole database (a row count and checksum per table before
and after); where it is allowed the write happens, so the body was one that matters. A route in
neither fails test_every_route_has_a_write_rule.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shequ.accounts.models import Membership
from shequ.core import pdf
from shequ.registry.forms import CONFIRM_ROOM
from shequ.registry.models import Building, Compound, Grid, Household, Person
from shequ.registry.services import households_in_room
from tests import dbstate
from tests.webforms import form_data

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


# -- writes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Json:
    """A JSON body (the API's write methods)."""

    data: dict[str, Any]


class Forms:
    """The forms of the pages as the secretary's browser gets them (the secretary may open every
    futong page), to post the form a page really shows."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def page(self, url: str, *, with_field: str | None = None, action: str | None = None, **values: Any) -> dict:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return form_data(response.content.decode(), with_field=with_field, action=action, **values)


# (status, writes): writes is False for a refusal (nothing may be written), True for an allowed write
# (it must write Write.table), or the name of the one table an allowed request writes instead;
# READ_AS_POST for a read whose input is too large for a query string (the supplies parser): allowed,
# it must write nothing.
READ_AS_POST = "-"
Expect = Callable[["World", str | None], tuple[int, bool | str]]


@dataclass(frozen=True)
class Write:
    """A state-changing request: its URL kwargs, a body that changes something, and per role the
    status and whether it writes (Expect). ``table``: a table an allowed request writes (the audit log
    for every audited act)."""

    kwargs: Callable[[World], dict[str, Any]]
    body: Callable[[World, Forms], dict[str, Any] | Json]
    expect: Expect
    table: str = "audit_auditevent"
    method: str = "post"


def like(rule: Callable[[World, str | None], int], ok: int = 302) -> Expect:
    """A write allowed where the GET of the same route is 200: then ``ok`` and a write; else the GET's
    refusal (302 to log in, 403, 404) and nothing written."""
    def expect(w: World, role: str | None) -> tuple[int, bool | str]:
        status = rule(w, role)
        return (ok, True) if status == 200 else (status, False)
    return expect


def refused(status: int) -> tuple[int, bool | str]:
    return status, False


def key() -> str:
    return uuid.uuid4().hex


def _move_target(w: World) -> Household:
    """Another active household of the anchor's building (grid 1), alone in its room."""
    for h in (Household.objects.filter(status="active", room__unit__building=w.building)
              .exclude(pk=w.household.pk).select_related("room__unit__building__compound").order_by("id")):
        if Household.objects.filter(room=h.room, status="active").count() == 1:
            return h
    raise AssertionError("no household to move to in the anchor's building")


def _reveal(w: World, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff"):
        return 200, True
    status = persons(w, role)
    return refused(403 if status == 200 else status)


def _roster_csv() -> SimpleUploadedFile:
    rows = "姓名,小区,楼栋,单元,房号\n矩阵导入,富通小区,9,2,502\n"
    return SimpleUploadedFile("matrix.csv", rows.encode(), content_type="text/csv")


def _import(w: World, role: str | None) -> tuple[int, bool | str]:
    if role in ("secretary", "staff"):
        return 200, True
    if role == "outsider":  # futong is not among the communities they may import into: a form error
        return refused(200)
    return refused(302 if role is ANON else 403)


def _login(w: World, role: str | None) -> tuple[int, bool | str]:
    # A failed login is written to the audit log; a logged-in user is sent on and nothing is written.
    return (200, True) if role is ANON else refused(302)


def _logout(w: World, role: str | None) -> tuple[int, bool | str]:
    return (302, False) if role is ANON else (302, True)


WRITES: dict[str, Write] = {
    "accounts:login": Write(lambda w: {}, lambda w, f: {"username": "nobody-at-all", "password": "wrong"}, _login),
    "accounts:logout": Write(lambda w: {}, lambda w, f: {}, _logout),
    "registry:room": Write(lambda w: {"pk": w.room.pk},
                           lambda w, f: {**f.page(reverse("registry:room", args=[w.room.pk]), with_field="note",
                                                  note="矩阵"),
                                         # the room has households: the form asks, and this answers yes
                                         CONFIRM_ROOM: " ".join(str(h.pk) for h in households_in_room(w.room))},
                           lambda w, r: refused(403) if r == "property1" else like(edit)(w, r)),
    "registry:household_edit": Write(lambda w: {"pk": w.household.pk},
                                     lambda w, f: f.page(reverse("registry:household_edit", args=[w.household.pk]),
                                                         with_field="note", note="矩阵 改过"), like(edit)),
    "registry:household_move_out": Write(
        lambda w: {"pk": w.household.pk},
        lambda w, f: f.page(reverse("registry:household_move_out", args=[w.household.pk]), with_field="reason",
                            reason="矩阵"), like(edit)),
    "registry:person_create": Write(
        lambda w: {"household_pk": w.household.pk},
        lambda w, f: f.page(reverse("registry:person_create", args=[w.household.pk]), with_field="name",
                            name="矩阵新人"), like(edit)),
    "registry:person": Write(lambda w: {"pk": w.person.pk}, lambda w, f: {}, _reveal),
    "registry:person_edit": Write(lambda w: {"pk": w.person.pk},
                                  lambda w, f: f.page(reverse("registry:person_edit", args=[w.person.pk]),
                                                      with_field="name", notes="矩阵 改过"), like(edit)),
    "registry:person_move": Write(
        lambda w: {"pk": w.person.pk},
        lambda w, f: f.page(reverse("registry:person_move", args=[w.person.pk]), with_field="address",
                            address=f"{w.compound.name}{_move_target(w).room.address}", reason="矩阵"), like(edit)),
    "registry:person_move_out": Write(
        lambda w: {"pk": w.person.pk},
        lambda w, f: f.page(reverse("registry:person_move_out", args=[w.person.pk]), with_field="reason",
                            reason="矩阵"), like(edit)),
    "registry:import": Write(lambda w: {}, lambda w, f: {**f.page(reverse("registry:import"), with_field="file"),
                                                         "file": _roster_csv(), "community": w.compound.community_id},
                             _import),
}

# Routes where a POST changes nothing: None, it answers as the GET does; a number, that status for
# every role (405: the API's read routes accept GET only).
READS: dict[str, int | None] = {
    "home": None, "set_language": None, "elder_mode": 302, "admin:index": None,
    "registry:compounds": None, "registry:compound": None, "registry:building": None, "registry:household": None,
    "registry:persons": None, "registry:special": None, "registry:grids": None, "registry:grid": None,
    "registry:search": None, "registry:import_rejected": None, "audit:events": None,
    "api:openapi-json": None, "api:openapi-view": None, "api:api-root": None,
    "api:me": 405, "api:compounds": 405, "api:buildings": 405, "api:building": 405, "api:household": 405,
    "api:persons": 405, "api:person": 405, "api:grids": 405, "api:search": 405, "api:counts": 405,
}


def _merge_app_routes() -> None:
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*/matrix*.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        clash = set(module.ROUTES) & set(ROUTES)
        assert not clash, f"{path}: routes already in the matrix: {sorted(clash)}"
        ROUTES.update(module.ROUTES)
        for table, extra in ((WRITES, getattr(module, "WRITES", {})), (READS, getattr(module, "READS", {}))):
            clash = set(extra) & (set(WRITES) | set(READS))
            assert not clash, f"{path}: routes already in WRITES or READS: {sorted(clash)}"
            table.update(extra)


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
        with dbstate.writes_to() as tables:
            status = client.get(url).status_code
        if status != expected:
            failures.append(f"{name} {url}: expected {expected}, got {status}")
        if tables and (status in (401, 403, 404, 405) or role is ANON):
            failures.append(f"{name} {url}: refused ({status}) but wrote {sorted(tables)}")
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


def test_every_route_has_a_write_rule() -> None:
    missing = sorted(set(ROUTES) - set(WRITES) - set(READS))
    assert not missing, f"routes with neither a WRITES nor a READS entry: {missing}"
    stale = sorted((set(WRITES) | set(READS)) - set(ROUTES))
    assert not stale, f"WRITES or READS entries for routes that are not in ROUTES: {stale}"


def send_write(client: Client, method: str, url: str, body: dict[str, Any] | Json) -> Any:
    if isinstance(body, Json):
        return getattr(client, method)(url, json.dumps(body.data), content_type="application/json")
    return getattr(client, method)(url, body)


def _api_operation(name: str) -> bool:
    """An operation of the JSON API (not its documents), which answers other methods with 405."""
    return name.startswith("api:") and name not in ("api:openapi-json", "api:openapi-view", "api:api-root")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL, ids=lambda r: r or "anonymous")
def test_role_writes_only_where_allowed_and_refused_writes_change_nothing(
        role: str | None, login: Any, anchor_household: Any, clock: Any) -> None:
    world = World(anchor_household)
    forms = Forms(login("secretary"))
    client = login(role)
    # URLs and bodies first: they open pages and make the anchors some routes need.
    planned = []
    for name, write in WRITES.items():
        url = reverse(name, kwargs=write.kwargs(world))
        status, writes = write.expect(world, role)
        if status == 200 and url.endswith(".pdf") and pdf.font_problem() is not None:
            # As for the GETs above: without a Chinese font a print is refused with a page that says
            # what to install, and writes nothing (no export is recorded); CI has the font.
            status, writes = 503, False
        planned.append((name, url, write, write.body(world, forms), status, writes))
    reads = [(name, reverse(name, kwargs=ROUTES[name][0](world)), ROUTES[name][1](world, role) if rule is None
              else rule) for name, rule in READS.items()]
    failures: list[str] = []

    before = dbstate.fingerprint()
    for name, url, write, body, status, writes in planned:
        if writes:
            continue
        with dbstate.writes_to() as tables:
            got = send_write(client, write.method, url, body).status_code
        if got != status:
            failures.append(f"{name} {write.method.upper()} {url}: expected {status}, got {got}")
        if tables:
            failures.append(f"{name} {write.method.upper()} {url}: refused ({got}) but wrote {sorted(tables)}")
    for name, url, status in reads:
        methods = ["post", "put", "patch", "delete"] if _api_operation(name) else ["post"]
        for method in methods:
            expected = 405 if method != "post" else status
            with dbstate.writes_to() as tables:
                got = getattr(client, method)(url).status_code
            if got != expected:
                failures.append(f"{name} {method.upper()} {url}: expected {expected}, got {got}")
            if tables:
                failures.append(f"{name} {method.upper()} {url}: a read that wrote {sorted(tables)}")
    for name, url, write, _body, _status, _writes in planned:
        if _api_operation(name):
            for method in {"put", "patch", "delete", "post"} - {write.method}:
                with dbstate.writes_to() as tables:
                    got = getattr(client, method)(url).status_code
                if got != 405 or tables:
                    failures.append(f"{name} {method.upper()} {url}: expected 405 and no write, got {got} {tables}")
    changed = dbstate.changed(before, dbstate.fingerprint())
    assert not changed, f"refused requests changed the database: {changed}\n" + "\n".join(failures)

    # Allowed writes, each rolled back so that the next one meets the same world; logging out last.
    for name, url, write, body, status, writes in sorted(planned, key=lambda p: p[0] == "accounts:logout"):
        if not writes:
            continue
        table = write.table if writes is True else writes
        # The client's cookies too: a write that logs in or renews the session (a password change,
        # joining a household) would leave it holding a session that the rollback removed.
        cookies = copy.deepcopy(client.cookies)
        with transaction.atomic():
            with dbstate.writes_to() as tables:
                got = send_write(client, write.method, url, body).status_code
            transaction.set_rollback(True)
        client.cookies = cookies
        if got != status:
            failures.append(f"{name} {write.method.upper()} {url}: expected {status}, got {got}")
        if table == READ_AS_POST:
            if tables:
                failures.append(f"{name} {write.method.upper()} {url}: a read sent as a POST wrote {sorted(tables)}")
        elif table not in tables:
            failures.append(f"{name} {write.method.upper()} {url}: allowed, but wrote {sorted(tables)}, not {table}")
    assert not failures, "\n".join(failures)
