"""A guard at the gate on a phone, in Debian's chromium through Playwright: record a passage by
typing a pass token (as a hardware scanner does), lose the network, record two passages that are
decided on the phone and queued, get the network back, and find exactly two new passages in the
ledger, marked offline, and nothing twice. Also: a passage the server recorded but whose answer was
lost is sent again with the same client_id and still recorded once."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Long enough for the screen's retry timer (15 s) should the browser not announce "online".
SYNC_TIMEOUT_MS = 40_000


def anchor_tokens() -> tuple[Any, list[tuple[Any, str]]]:
    """gate1's gate and the anchor household's members (who may pass) with their pass tokens."""
    from shequ.gates.models import Gate
    from shequ.passes import tokens as pass_tokens
    from shequ.passes.models import Pass
    from shequ.registry.models import Person

    gate = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    members = Person.objects.filter(
        community__code="futong", status="active", household__room__number="502", household__room__unit__number="2",
        household__room__unit__building__number="9", household__room__unit__building__compound__name="富通小区",
    ).order_by("id")
    found = [(p, pass_tokens.token_for(Pass.objects.get(person=p, revoked_at__isnull=True).code)) for p in members]
    assert len(found) >= 2
    return gate, found


def open_screen(page: Page, live_server: Any, gate: Any, *, worker: bool = False) -> None:
    if not worker:
        # These tests are about the page's own offline work; the service worker has its own test
        # (and Playwright's offline switch does not reach a worker's requests).
        page.context.route("**/gates/sw.js", lambda route: route.abort())
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "gate1")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(live_server.url + reverse("gates:screen_start"))
    expect(page).to_have_url(live_server.url + reverse("gates:screen", args=[gate.pk]))
    page.click("button[lang=en]")  # read the screen in English
    expect(page.locator("#record-button")).to_have_text("Record")
    # The offline bundle has arrived.
    page.wait_for_function(f"() => localStorage.getItem('shequ.gates.bundle.{gate.pk}') !== null")
    expect(page.locator("#bundle-status")).to_contain_text("offline list from")


def scan(page: Page, token: str, *, temperature: str = "36.5") -> None:
    page.fill("#id_temperature", temperature)
    page.fill("#id_credential", token)  # a scanner types the token and presses Enter
    page.press("#id_credential", "Enter")


def next_person(page: Page) -> None:
    page.click("#verdict-next")
    expect(page.locator("#verdict-overlay")).to_be_hidden()
    expect(page.locator("#id_temperature")).to_be_focused()  # coming in, the next person starts there


def test_guard_records_online_then_offline_and_the_queue_is_sent_once(
    page: Page, context: BrowserContext, live_server: Any, world_tx: None
) -> None:
    from shequ.core.masking import mask_name
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    (first, first_token), (second, second_token) = members[0], members[1]
    open_screen(page, live_server, gate)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))

    scan(page, first_token)
    overlay = page.locator("#verdict-overlay")
    expect(overlay).to_be_visible()
    expect(overlay).to_have_attribute("data-decision", "allow")
    expect(overlay).to_have_attribute("data-offline", "0")
    expect(page.locator("#verdict-who")).to_have_text(mask_name(first.name))
    expect(page.locator("#verdict-where")).to_have_text("富通小区 9-2-502")
    assert Passage.objects.filter(gate=gate).exclude(id__in=before).count() == 1
    next_person(page)

    context.set_offline(True)
    scan(page, second_token)
    expect(overlay).to_be_visible()
    expect(overlay).to_have_attribute("data-offline", "1")
    expect(overlay).to_have_attribute("data-decision", "allow")
    expect(page.locator("#verdict-offline")).to_be_visible()
    expect(page.locator("#queue-status")).to_have_text("offline: 1 waiting")
    next_person(page)

    # The second offline passage: the guard types 365 and takes the one-tap suggestion, 36.5.
    page.fill("#id_credential", first_token)
    page.fill("#id_temperature", "365")
    suggestion = page.locator("#temperature-suggestion")
    expect(suggestion).to_have_text("36.5 °C?")
    suggestion.click()
    expect(overlay).to_have_attribute("data-offline", "1")
    expect(page.locator("#queue-status")).to_have_text("offline: 2 waiting")
    assert Passage.objects.filter(gate=gate).exclude(id__in=before).count() == 1
    next_person(page)

    context.set_offline(False)
    queue = page.locator("#queue-status")
    expect(queue).to_have_attribute("data-waiting", "0", timeout=SYNC_TIMEOUT_MS)
    expect(queue).to_be_hidden()

    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before).order_by("recorded_at"))
    assert len(new) == 3
    assert len({p.client_id for p in new}) == 3
    online, *offline = new
    assert online.person == first and not online.offline
    assert [p.offline for p in offline] == [True, True]
    assert [p.person for p in offline] == [second, first]
    assert [p.offline_decision for p in offline] == ["allow", "allow"]
    assert [str(p.temperature) for p in offline] == ["36.5", "36.5"]
    assert all(p.guard.username == "gate1" for p in new)


def test_a_passage_whose_answer_was_lost_is_recorded_once(
    page: Page, context: BrowserContext, live_server: Any, world_tx: None
) -> None:
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    (first, first_token), (second, second_token) = members[0], members[1]
    open_screen(page, live_server, gate)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))
    screen_path = reverse("gates:screen", args=[gate.pk])

    def lose_the_answer(route: Route) -> None:
        if route.request.method == "POST":
            route.fetch()  # the server records the passage ...
            route.abort()  # ... and the phone never hears back
        else:
            route.continue_()

    page.route(f"**{screen_path}", lose_the_answer)
    scan(page, first_token)
    expect(page.locator("#verdict-overlay")).to_have_attribute("data-offline", "1")
    expect(page.locator("#queue-status")).to_have_text("offline: 1 waiting")
    assert Passage.objects.filter(gate=gate).exclude(id__in=before).count() == 1
    page.unroute(f"**{screen_path}")
    next_person(page)

    # The next passage reaches the server; the screen then sends its queue.
    scan(page, second_token)
    expect(page.locator("#verdict-overlay")).to_have_attribute("data-offline", "0")
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting", "0", timeout=SYNC_TIMEOUT_MS)

    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before).order_by("id"))
    assert [p.person for p in new] == [first, second]
    # The first was recorded by the post whose answer was lost, as an online passage; the queued
    # copy found it by its client_id.
    assert [p.offline for p in new] == [False, False]


def test_the_screen_opens_again_without_the_network(
    page: Page, context: BrowserContext, live_server: Any, world_tx: None
) -> None:
    """The phone was reloaded (or the browser closed) during an outage: the service worker opens the
    screen from its copy, the guard records offline, and the passage is sent when the network is back."""
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    person, token = members[0]
    open_screen(page, live_server, gate, worker=True)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))
    # Once the worker is active, the next load of the screen goes through it and leaves a copy.
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)") in ("activating", "activated")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("#record-button")).to_have_text("Record")

    def no_network(route: Route) -> None:
        if route.request.service_worker is not None:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.set_offline(True)
    context.route("**/*", no_network)
    page.reload()
    expect(page.locator("#record-button")).to_have_text("Record")
    expect(page.locator("#bundle-status")).to_contain_text("offline list from")
    scan(page, token)
    overlay = page.locator("#verdict-overlay")
    expect(overlay).to_have_attribute("data-offline", "1")
    expect(overlay).to_have_attribute("data-decision", "allow")
    expect(page.locator("#queue-status")).to_have_text("offline: 1 waiting")
    assert Passage.objects.filter(gate=gate).exclude(id__in=before).count() == 0

    context.unroute("**/*", no_network)
    context.set_offline(False)
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting", "0", timeout=SYNC_TIMEOUT_MS)
    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before))
    assert len(new) == 1 and new[0].offline and new[0].person == person


def test_a_guard_is_told_of_queued_passages_the_server_will_soon_refuse_for_their_age(
    page: Page, context: BrowserContext, live_server: Any, world_tx: None
) -> None:
    """The server accepts a passage up to 7 days after it happened. A passage waiting in the queue
    for more than 6 days is pointed out; one older than 7 is refused by the server when it is sent
    and stays in the red list with the server's reason, for the paper ledger."""
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    (_first, first_token), (second, second_token) = members[0], members[1]
    open_screen(page, live_server, gate)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))
    context.set_offline(True)
    scan(page, first_token)
    expect(page.locator("#queue-status")).to_have_text("offline: 1 waiting")
    # That passage has been waiting for eight days (the phone was offline all week).
    page.evaluate("""() => {
        const key = Object.keys(localStorage).find(k => k.startsWith('shequ.gates.queue.'));
        const queue = JSON.parse(localStorage.getItem(key));
        queue[0].recorded_at = new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString();
        localStorage.setItem(key, JSON.stringify(queue));
    }""")
    next_person(page)
    scan(page, second_token)
    queue = page.locator("#queue-status")
    expect(queue).to_contain_text("offline: 2 waiting")
    expect(queue).to_contain_text("1 of them are older than 6 days")
    next_person(page)

    context.set_offline(False)
    expect(queue).to_have_attribute("data-waiting", "0", timeout=SYNC_TIMEOUT_MS)
    expect(queue).to_have_text("1 could not be recorded")
    expect(page.locator("#failed-list")).to_contain_text("more than 7 days ago")
    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before))
    assert [p.person for p in new] == [second]
