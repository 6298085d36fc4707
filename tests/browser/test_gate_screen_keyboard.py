"""The gate screen worked with a hardware scanner and the keyboard only, in Debian's chromium.

A scanner is a keyboard that types the pass's token very fast and presses Enter; Playwright types
the same way (a few milliseconds between keys), while the guard types slowly. The guard records
three people in a row, one of them refused, without touching a pointer; a scan that comes while
the cursor is in the temperature field (or anywhere else) is a scan, and the temperature stays.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_gate_screen import anchor_tokens, open_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUARD_MS = 90  # a person typing


def guard_types(page: Page, text: str) -> None:
    page.keyboard.type(text, delay=GUARD_MS)


# A scanner's characters are dispatched in the page in one go (microseconds apart, as a scanner's
# are): sent one by one from the test, a loaded machine spread them wider than any scanner does and
# the test saw typing where a scanner would scan. The Enter is a real key press, so that the browser's
# own default (clicking the focused button) is what the screen has to prevent.
_BURST = """(text) => {
  const target = document.activeElement || document.body;
  for (const key of text) target.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true, cancelable: true}));
}"""


def scanner_types(page: Page, text: str) -> None:
    page.evaluate(_BURST, text)


def scanner_scans(page: Page, token: str) -> None:
    scanner_types(page, token)
    page.keyboard.press("Enter")


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def test_a_scan_into_the_temperature_field_is_a_scan_and_keeps_the_temperature(
    page: Page, live_server: Any, world_tx: None
) -> None:
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    person, token = members[0]
    open_screen(page, live_server, gate)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))

    page.focus("#id_temperature")
    guard_types(page, "36.7")
    scanner_scans(page, token)  # the cursor never left the temperature field

    overlay = page.locator("#verdict-overlay")
    expect(overlay).to_have_attribute("data-decision", "allow")
    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before))
    assert [(p.person, str(p.temperature), p.decision) for p in new] == [(person, "36.7", "allow")]


@pytest.mark.parametrize("where", ["#lookup-q", "#record-button"])
def test_a_scan_is_a_scan_wherever_the_focus_is(page: Page, live_server: Any, world_tx: None, where: str) -> None:
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    person, token = members[1]
    open_screen(page, live_server, gate)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))
    page.fill("#id_temperature", "36.4")
    page.focus(where)
    scanner_scans(page, token)
    expect(page.locator("#verdict-overlay")).to_have_attribute("data-decision", "allow")
    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before))
    assert [(p.person, str(p.temperature)) for p in new] == [(person, "36.4")]
    assert page.input_value("#lookup-q") == ""


def test_a_token_that_landed_in_the_temperature_field_never_records_a_refusal(
    page: Page, live_server: Any, world_tx: None
) -> None:
    """A slow (or pasted) scan into the temperature field after a temperature: the screen takes the
    token apart from the temperature; what it cannot read as a temperature is an error on the field,
    and nothing is recorded."""
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    person, token = members[0]
    open_screen(page, live_server, gate)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))

    page.fill("#id_temperature", "36.8" + token)
    page.press("#id_temperature", "Enter")
    expect(page.locator("#verdict-overlay")).to_have_attribute("data-decision", "allow")
    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before))
    assert [(p.person, str(p.temperature)) for p in new] == [(person, "36.8")]
    page.keyboard.press("Escape")

    page.fill("#id_temperature", "36x" + token)
    page.press("#id_temperature", "Enter")
    expect(page.locator("#temperature-help")).to_be_visible()
    expect(page.locator("#verdict-overlay")).to_be_hidden()
    assert page.input_value("#id_temperature") == "36x"
    assert page.input_value("#id_credential") == token
    assert Passage.objects.filter(gate=gate).exclude(id__in=before).count() == 1


def test_a_guard_records_three_people_with_the_keyboard_and_a_scanner(
    page: Page, live_server: Any, world_tx: None
) -> None:
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    (first, first_token), (second, second_token) = members[0], members[1]
    open_screen(page, live_server, gate)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))
    page.goto(live_server.url + reverse("gates:screen", args=[gate.pk]))  # no pointer from here on
    expect(page.locator("#record-button")).to_be_visible()
    overlay = page.locator("#verdict-overlay")
    dialog = page.get_by_role("alertdialog")

    # Coming in, the cursor waits in the temperature field.
    assert focused_id(page) == "id_temperature"

    # 1. Allowed; the verdict takes the focus, Enter on "next person" closes it.
    guard_types(page, "36.5")
    scanner_scans(page, first_token)
    expect(overlay).to_have_attribute("data-decision", "allow")
    expect(page.get_by_role("alertdialog", name="Allowed")).to_be_visible()
    assert focused_id(page) == "verdict-next"
    # Nothing behind the verdict takes the focus: Tab stays in the dialog.
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('verdict-overlay').contains(document.activeElement)")
    assert page.evaluate("document.querySelector('main').inert && document.querySelector('header').inert")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter" if focused_id(page) == "verdict-next" else "Escape")
    expect(overlay).to_be_hidden()
    assert focused_id(page) == "id_temperature"
    assert not page.evaluate("document.querySelector('main').inert")

    # 2. Refused for a fever; Escape closes the verdict.
    guard_types(page, "38.4")
    scanner_scans(page, second_token)
    expect(overlay).to_have_attribute("data-decision", "deny")
    expect(dialog).to_contain_text("fever (37.3 °C or above)")
    assert focused_id(page) == "verdict-next"
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    assert focused_id(page) == "id_temperature"

    # 3. Enter on the empty form: a visible error, announced (role=alert), on the field it is about.
    page.keyboard.press("Enter")
    error = page.locator("#credential-help")
    expect(error).to_be_visible()
    expect(error).to_have_text("Scan the pass, type an ID or phone number, or look the person up.")
    assert error.get_attribute("role") == "alert"
    assert page.get_attribute("#id_credential", "aria-invalid") == "true"
    assert Passage.objects.filter(gate=gate).exclude(id__in=before).count() == 2
    assert focused_id(page) == "id_credential"
    for _ in range(6):  # on to the temperature field
        if focused_id(page) == "id_temperature":
            break
        page.keyboard.press("Tab")
    assert focused_id(page) == "id_temperature"
    guard_types(page, "36.6")
    scanner_scans(page, first_token)
    expect(overlay).to_have_attribute("data-decision", "allow")
    page.keyboard.press("Enter")
    expect(overlay).to_be_hidden()

    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before).order_by("id"))
    assert [(p.person, str(p.temperature), p.decision, p.reasons) for p in new] == [
        (first, "36.5", "allow", []), (second, "38.4", "deny", ["fever"]), (first, "36.6", "allow", []),
    ]


def test_lookup_results_are_announced(page: Page, live_server: Any, world_tx: None) -> None:
    gate, _members = anchor_tokens()
    open_screen(page, live_server, gate)
    page.focus("#lookup-q")
    page.keyboard.type("9-2-502")
    page.keyboard.press("Enter")
    status = page.locator("#lookup-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_contain_text("found")
    assert page.locator("#lookup-results .pick").count() >= 2


@pytest.mark.parametrize(("width", "height"), [(390, 844), (195, 422)], ids=["phone", "phone-at-200-percent"])
def test_the_header_is_short_and_record_is_in_reach(page: Page, live_server: Any, world_tx: None, width: int,
                                                    height: int) -> None:
    """A 390x844 phone, and the same phone zoomed to 200 % (a 195x422 CSS viewport): the shared
    header takes at most a fifth of the height, and the Record button is on the screen without
    scrolling (it stays at the bottom while the form is in view)."""
    gate, _members = anchor_tokens()
    open_screen(page, live_server, gate)
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("window.scrollTo(0, 0)")
    header = page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")
    assert header <= height / 5
    expect(page.locator("#record-button")).to_be_in_viewport()
    page.focus("#id_temperature")
    expect(page.locator("#record-button")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing scrolls sideways


def test_the_verdict_shows_only_the_buttons_that_apply(page: Page, live_server: Any, world_tx: None) -> None:
    """A fever refusal of a resident offers neither the visitor form nor a permit request; the
    buttons the script hides stay hidden although the verdict is moved out of the screen."""
    gate, members = anchor_tokens()
    _person, token = members[0]
    open_screen(page, live_server, gate)
    page.focus("#id_temperature")
    guard_types(page, "38.6")
    scanner_scans(page, token)
    expect(page.locator("#verdict-overlay")).to_have_attribute("data-decision", "deny")
    expect(page.locator("#verdict-visitor")).to_be_hidden()
    expect(page.locator("#verdict-permit-request")).to_be_hidden()
    expect(page.locator("#verdict-permit")).to_be_hidden()
    expect(page.locator("#verdict-next")).to_be_visible()


def test_a_scan_the_phone_delivered_with_a_hiccup_is_still_a_scan(page: Page, live_server: Any, world_tx: None) -> None:
    """A loaded phone hands a scanner's keys over late now and then: one gap of a fifth of a second
    inside a fast burst (the input under test, not a wait for the page) leaves it a scan, and the
    focused record button is not clicked with half a token."""
    from shequ.gates.models import Passage

    gate, members = anchor_tokens()
    person, token = members[1]
    open_screen(page, live_server, gate)
    before = set(Passage.objects.filter(gate=gate).values_list("id", flat=True))
    page.fill("#id_temperature", "36.5")
    page.focus("#record-button")
    scanner_types(page, token[:8])
    page.wait_for_timeout(150)
    scanner_scans(page, token[8:])
    expect(page.locator("#verdict-overlay")).to_have_attribute("data-decision", "allow")
    new = list(Passage.objects.filter(gate=gate).exclude(id__in=before))
    assert [(p.person, str(p.temperature), p.decision) for p in new] == [(person, "36.5", "allow")]

