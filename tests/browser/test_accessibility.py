"""WCAG 2.1 A and AA, checked by axe-core in a real browser over every page every demo role may
open (tests/browser/audit_plan.py) and the states a page gets into (a form with errors, a failed
login, the phone menu open, a verdict at the gate), at 390 and 1280 px, in Chinese; with text sizes,
tap targets and reflow (tests/browser/a11y.py). One browser page, one login per role."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser import a11y, audit_plan
from tests.conftest import TEST_PASSWORD
from tests.test_authorization_matrix import World


def test_every_route_is_audited_or_not_a_page(db: Any, anchor_household: Any) -> None:
    world = World(anchor_household)
    audited = {v.route for v in audit_plan.visits(world)}
    names = audit_plan.route_names()
    missing = sorted(n for n in names if n not in audited and not audit_plan.not_a_page(n))
    assert not missing, (
        f"routes that are neither audited nor listed as not a page: {missing}. Give each an entry in the "
        "authorization matrix that opens it for a role (or a role and object in audit_plan.OBJECTS), "
        "or list it in audit_plan.NOT_PAGES with the reason")
    stale = sorted(n for n in [*audit_plan.NOT_PAGES, *audit_plan.OBJECTS]
                   if not n.endswith(":*") and n not in names)
    assert not stale, f"audit plan entries for routes that no longer exist: {stale}"
    both = sorted(audited & {n for n in names if audit_plan.not_a_page(n)})
    assert not both, f"routes both audited and listed as not a page: {both}"


def log_in(page: Page, base: str, role: str | None) -> None:
    page.context.clear_cookies()
    page.goto(base + reverse("accounts:login"))
    page.evaluate("localStorage.clear(); sessionStorage.clear()")
    if role is None:
        return
    page.fill("#id_username", role)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# -- page states: what a role does to get there -------------------------------------------------

def _failed_login(page: Page, base: str, w: World) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", "grid1")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit].primary")
    expect(page.get_by_role("alert")).to_be_focused()


def _person_form_with_errors(page: Page, base: str, w: World) -> None:
    page.goto(base + reverse("registry:person_create", args=[w.household.pk]))
    page.fill("#id_name", "王小明")
    page.fill("#id_id_number", "110101199003070000")  # wrong check digit
    page.click("main button[type=submit].primary")
    expect(page.locator("#id_id_number_error")).to_be_visible()


def _visit_form_with_errors(page: Page, base: str, w: World) -> None:
    from shequ.accounts.models import User
    from shequ.campaigns import services

    actor = User.objects.get(username="secretary")
    campaign = services.campaign_open(actor=actor, campaign=services.campaign_create(
        actor=actor, community=w.household.community, name="audit screening", kind="screening",
        starts_on=dt.date(2022, 4, 1), buildings=[w.building]))
    page.goto(base + reverse("campaigns:household", args=[campaign.pk, w.household.pk]))
    page.fill(f"#id_temp_{w.person.pk}", "48")
    # The browser would refuse 48 itself (max 43); the server's message is the state audited.
    page.locator("form.visit-form").evaluate("(form) => { form.noValidate = true; }")
    page.click("main button[type=submit].primary")
    expect(page.locator(f"#id_temp_{w.person.pk}_error")).to_be_visible()


def _call_page(page: Page, base: str, w: World) -> None:
    """A grid worker calls a missing person; without the page's script the answer is a page."""
    from tests.campaigns.matrix import anchor_campaign

    campaign = anchor_campaign(w)
    page.goto(base + reverse("campaigns:missing", args=[campaign.pk]))
    page.evaluate("""(action) => {
        const form = document.createElement("form");
        form.method = "post"; form.action = action;
        form.appendChild(document.querySelector("[name=csrfmiddlewaretoken]").cloneNode());
        document.body.appendChild(form); form.submit(); }""",
                  reverse("campaigns:call", args=[campaign.pk, w.target.pk]))
    expect(page.locator("h1")).to_contain_text(w.target.person.name)


def _menu_open(page: Page, base: str, w: World) -> None:
    page.goto(base + reverse("registry:persons"))
    page.locator("details.menu > summary").click()
    expect(page.locator("details.menu .main-nav")).to_be_visible()


def _not_allowed(page: Page, base: str, w: World) -> None:
    response = page.goto(base + reverse("registry:persons"))
    assert response is not None and response.status == 403


def _not_found(page: Page, base: str, w: World) -> None:
    response = page.goto(base + reverse("registry:household", args=[10**9]))
    assert response is not None and response.status == 404


def _verdict(temperature: str, decision: str) -> Callable[[Page, str, World], None]:
    def enter(page: Page, base: str, w: World) -> None:
        from shequ.gates.models import Gate
        from shequ.passes import tokens as pass_tokens
        from shequ.passes.models import Pass

        gate = Gate.objects.get(community__code="futong", compound__name=w.compound.name, name="东门")
        token = pass_tokens.token_for(Pass.objects.get(person=w.person, revoked_at__isnull=True).code)
        page.goto(base + reverse("gates:screen", args=[gate.pk]))
        page.fill("#id_temperature", temperature)
        page.fill("#id_credential", token)
        page.press("#id_credential", "Enter")
        overlay = page.locator("#verdict-overlay")
        expect(overlay).to_have_attribute("data-decision", decision)
        # The verdict is written, not only coloured.
        expect(page.locator("#verdict-decision")).not_to_be_empty()
    return enter


def _permit_request(page: Page, base: str, w: World) -> None:
    """The form a guard opens from a refusal for a restriction (it needs the refused passage)."""
    import uuid

    from shequ.containment import services as containment
    from shequ.gates import services
    from shequ.gates.models import Gate
    from shequ.passes import tokens as pass_tokens
    from shequ.passes.models import Pass

    gate = Gate.objects.get(community__code="futong", compound__name=w.compound.name, name="东门")
    containment.restriction_create(actor=None, person=w.person, kind="home_quarantine", reason="无障碍检查")
    token = pass_tokens.token_for(Pass.objects.get(person=w.person, revoked_at__isnull=True).code)
    checks = services.parse_checks(direction="out", temperature="36.5", health_code="green", mask=True)
    passage = services.record_passage(gate=gate, actor=None, checks=checks, client_id=uuid.uuid4(),
                                      credential=token).passage
    page.goto(base + reverse("gates:screen_permit", args=[gate.pk]) + f"?passage={passage.pk}")
    expect(page.locator("#id_reason")).to_be_visible()


def _slip(page: Page, base: str, w: World) -> None:
    from shequ.accounts.models import User

    page.goto(base + reverse("accounts:member", args=[User.objects.get(username="volunteer1").pk]))
    page.locator("button[name=action][value=password]").click()
    expect(page.locator(".slip .otp")).to_have_count(1)


def _invite_notice(page: Page, base: str, w: World) -> None:
    page.goto(base + reverse("accounts:residents"))
    page.fill("#id_address", f"{w.compound.name}{w.room.address}")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator(".notice .otp")).to_have_count(1)


STATES: list[tuple[str | None, str, Callable[[Page, str, World], None]]] = [
    (None, "failed login", _failed_login),
    ("secretary", "person form with errors", _person_form_with_errors),
    ("secretary", "menu open on a phone", _menu_open),
    ("grid1", "visit form with errors", _visit_form_with_errors),
    ("grid1", "not found", _not_found),
    ("grid1", "call page", _call_page),
    ("gate1", "not allowed", _not_allowed),
    ("gate1", "verdict: allowed", _verdict("36.5", "allow")),
    ("gate1", "verdict: refused", _verdict("38.2", "deny")),
    ("secretary", "one-time password slip", _slip),
    ("secretary", "invite notice", _invite_notice),
    # Last: it puts the anchor person under a restriction.
    ("gate1", "permit request", _permit_request),
]


@pytest.mark.browser
# The daily reports' street page and charts read through the replica alias (a mirror in tests).
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_every_page_of_every_role_passes_the_audit(page: Page, live_server: Any, world_tx: None) -> None:
    from shequ.registry.models import Household

    anchor = Household.objects.select_related("room__unit__building__compound").get(
        community__code="futong", status="active", room__number="502", room__unit__number="2",
        room__unit__building__number="9", room__unit__building__compound__name="富通小区")
    world = World(anchor)
    base = live_server.url
    # The gate screen's service worker would outlive the page; its own test covers it.
    page.context.route("**/gates/sw.js", lambda route: route.abort())
    failures: list[str] = []
    audited: Counter[str | None] = Counter()

    def audit_here(role: str | None, what: str) -> None:
        audited[role] += 1
        # Phone first: a state (an open menu, a verdict) is entered at 390 px and checked there first.
        for width, found in a11y.audit(page).items():
            failures.extend(f"{role} {what} @{width}px: {f}" for f in found)

    role: object = object()
    for visit in audit_plan.visits(world):
        if visit.role != role:
            role = visit.role
            log_in(page, base, visit.role)
        response = page.goto(base + visit.url)
        assert response is not None
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            failures.append(f"{visit.role} {visit.route} {visit.url}: {response.status} "
                            f"{response.headers.get('content-type')} (not a page? list it in NOT_PAGES)")
            continue
        audit_here(visit.role, f"{visit.route} {visit.url}")
    for state_role, name, enter in STATES:
        log_in(page, base, state_role)
        enter(page, base, world)
        audit_here(state_role, f"[{name}] {page.url.removeprefix(base)}")
    page.goto("about:blank")
    summary = ", ".join(f"{r or 'anonymous'} {n}" for r, n in audited.items())
    assert not failures, f"{len(failures)} problems on the pages audited ({summary}):\n" + "\n".join(failures)
