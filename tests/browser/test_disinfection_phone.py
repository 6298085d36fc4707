"""Disinfection on a property company's phone (Debian's chromium, 390 px, in Chinese): property1
records a round with a photo, then one without signal: the round waits on the phone with its photo
and is recorded once, photo included, when the network is back."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(tmp_path: Path, colour: tuple[int, int, int]) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.jpg"
    out = io.BytesIO()
    Image.new("RGB", (2000, 1500), colour).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_property_staff_record_a_round_with_a_photo_online_and_offline(page: Page, live_server: Any, world_tx: None,
                                                                       tmp_path: Path) -> None:
    from shequ.accounts.models import User
    from shequ.disinfection import services
    from shequ.disinfection.models import Round
    from shequ.registry.models import Compound

    compound = Compound.objects.get(community__code="futong", name="富通小区")
    place = services.place_create(actor=User.objects.get(username="staff"), compound=compound, kind="stairwell",
                                  name="9号楼2单元楼道", target_per_day=5)
    base = live_server.url
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", "property1")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    page.goto(base + reverse("disinfection:record"))

    def fill(operator: str, colour: tuple[int, int, int]) -> None:
        page.select_option("select[name=place]", str(place.pk))
        page.fill("input[name=agent]", "84消毒液")
        page.fill("input[name=concentration]", "500mg/L")
        page.fill("input[name=operator]", operator)
        page.set_input_files("input[name=photo]", _photo(tmp_path, colour))

    fill("王师傅", (200, 40, 40))
    page.click("form[data-queue] button[type=submit]")
    expect(page.locator("ul.rounds li")).to_have_count(1)
    expect(page.locator("ul.rounds img")).to_have_count(1)
    first = Round.objects.get(place=place)
    assert first.photo and first.thumbnail and first.operator == "王师傅"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone screen scrolls sideways: {width}px"

    page.context.set_offline(True)
    fill("李师傅", (40, 200, 40))
    page.click("form[data-queue] button[type=submit]")
    expect(page.locator("#queue-status")).to_be_visible()
    expect(page.locator("#queue-status")).to_contain_text("1")
    assert Round.objects.filter(place=place).count() == 1  # nothing reached the server
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("ul.rounds li")).to_have_count(2)
    offline = Round.objects.get(place=place, operator="李师傅")
    assert offline.photo and Image.open(offline.photo.path).size == (1600, 1200)
    page.reload()
    expect(page.locator("ul.rounds li")).to_have_count(2)
    assert Round.objects.filter(place=place).count() == 2
