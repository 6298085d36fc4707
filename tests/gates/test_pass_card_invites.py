"""Pass cards with invite codes (issue 18 item 5): only when the office ticks the box; one new code
per household with a card, printed on its cards, the old code revoked, audited; a double submit
issues once; unticked, nothing is issued."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from shequ.accounts import services as accounts
from shequ.accounts.models import InviteCode, Membership
from shequ.audit.models import AuditEvent
from shequ.core.submission import new_key
from shequ.gates import cards
from shequ.registry.models import Household, Person
from shequ.registry.services import clean_person_fields, person_create
from tests.gates.test_passes import _pdf_text

pytestmark = pytest.mark.django_db
PASSWORD = "my-own-family-password"  # noqa: S105


def _codes(text: str) -> list[str]:
    """The invite codes printed in the PDF's text (grouped 4 + 4, read back without spaces)."""
    return re.findall(rf"[{accounts.INVITE_ALPHABET}]{{8}}", text)


def _label() -> str:
    return gettext("Invite code to join").replace(" ", "")


def _print(client: Client, household: Household, *, tick: bool, key: str | None = None) -> Any:
    body = {"submission_key": key or new_key()}
    if tick:
        body["invite_codes"] = "1"
    return client.post(reverse("gates:pass_cards_household", args=[household.pk]), body)


def test_ticked_the_household_gets_a_new_code_on_each_card_and_the_old_one_stops(
        login: Any, anchor_household: Household, cjk_font: None) -> None:
    member = person_create(actor=None, household=anchor_household, data=clean_person_fields(
        name="纪卡片", id_number="11010519491231002X", phone="13912348888", relation="other",
        residency="resident"))
    old = accounts.invite_issue(actor=None, household=anchor_household)
    client = login("secretary")
    page = client.get(reverse("gates:pass_household", args=[anchor_household.pk])).content.decode()
    assert 'name="invite_codes"' in page and "checked" not in page.split('name="invite_codes"')[1][:20]
    response = _print(client, anchor_household, tick=True)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    active = InviteCode.objects.get(household=anchor_household, revoked_at__isnull=True)
    assert accounts.invite_lookup(old) is None, "the code given before no longer joins"
    _pages, text = _pdf_text(response.content)
    members = anchor_household.persons.filter(status="active").count()
    new = {c for c in _codes(text) if accounts.invite_lookup(c) is not None}
    assert len(new) == 1
    code = new.pop()
    assert accounts.invite_lookup(code).pk == active.pk
    assert text.count(code) == members, "the code is on each card of the household"
    assert text.count(_label()) == members
    # The new code joins; the old one is refused.
    data = {"name": "纪卡片", "digits": "002X", "password1": PASSWORD, "password2": PASSWORD}
    assert Client().post(reverse("accounts:join"), {"code": old, **data}).status_code == 200
    assert Client().post(reverse("accounts:join"), {"code": code, **data}).status_code == 302
    assert Membership.objects.filter(person=member, household=anchor_household).exists()
    # In the audit log: the new code (as the secretary) and the print, which counts the codes.
    assert AuditEvent.objects.filter(action="create", object_type="invitecode", object_id=str(active.pk),
                                     actor_username="secretary").exists()
    export = AuditEvent.objects.get(action="export", object_type="household", object_id=str(anchor_household.pk))
    assert "1 invite codes issued" in export.summary


def test_a_building_print_gives_one_code_per_household_with_a_card(login: Any, anchor_household: Household,
                                                                   cjk_font: None) -> None:
    building = anchor_household.room.unit.building
    # A household that lives here but whose members all moved out: no card, so no code.
    empty = (Household.objects.filter(status="active", room__unit__building=building)
             .exclude(pk=anchor_household.pk).order_by("id").first())
    Person.objects.filter(household=empty).update(status=Person.Status.MOVED_OUT)
    with_cards = set(Person.objects.filter(status="active", household__status="active",
                                           household__room__unit__building=building)
                     .values_list("household_id", flat=True))
    response = login("staff").post(reverse("gates:pass_cards_building", args=[building.pk]),
                                   {"submission_key": new_key(), "invite_codes": "1"})
    assert response.status_code == 200
    issued = set(InviteCode.objects.filter(household__room__unit__building=building, revoked_at__isnull=True)
                 .values_list("household_id", flat=True))
    assert issued == with_cards and empty.pk not in issued
    assert AuditEvent.objects.filter(action="create", object_type="invitecode").count() == len(with_cards)
    _pages, text = _pdf_text(response.content)
    assert len({c for c in _codes(text) if accounts.invite_lookup(c) is not None}) == len(with_cards)


def test_a_double_submitted_print_issues_codes_once(login: Any, anchor_household: Household,
                                                    cjk_font: None) -> None:
    client = login("secretary")
    key = new_key()
    first = _print(client, anchor_household, tick=True, key=key)
    second = _print(client, anchor_household, tick=True, key=key)
    assert first.status_code == 200
    assert second.status_code == 302 and second["Location"] == reverse("gates:pass_household",
                                                                       args=[anchor_household.pk])
    assert InviteCode.objects.filter(household=anchor_household).count() == 1
    _pages, text = _pdf_text(first.content)
    assert any(accounts.invite_lookup(c) is not None for c in _codes(text)), "the first print's code still joins"
    # The same page's form sent to another target is its own print (one key per button).
    building = anchor_household.room.unit.building
    other = client.post(reverse("gates:pass_cards_building", args=[building.pk]),
                        {"submission_key": key, "invite_codes": "1"})
    assert other.status_code == 200


def test_unticked_no_code_is_issued_and_the_cards_are_as_before(login: Any, anchor_household: Household,
                                                                cjk_font: None) -> None:
    old = accounts.invite_issue(actor=None, household=anchor_household)
    client = login("secretary")
    posted = _print(client, anchor_household, tick=False)
    got = client.get(reverse("gates:pass_cards_household", args=[anchor_household.pk]))
    assert posted.status_code == got.status_code == 200
    assert InviteCode.objects.filter(household=anchor_household).count() == 1
    assert accounts.invite_lookup(old) is not None
    for response in (posted, got):
        _pages, text = _pdf_text(response.content)
        assert _label() not in text and old not in text


def test_a_grid_worker_is_not_offered_codes_and_cannot_issue_them(login: Any, anchor_household: Household,
                                                                 cjk_font: None) -> None:
    """Invite codes are the secretary's and staff's (accounts.manage); grid workers print cards."""
    client = login("grid1")
    page = client.get(reverse("gates:pass_household", args=[anchor_household.pk])).content.decode()
    assert 'name="invite_codes"' not in page
    assert _print(client, anchor_household, tick=True).status_code == 403
    assert not InviteCode.objects.filter(household=anchor_household).exists()
    assert not AuditEvent.objects.filter(action="export", object_type="household").exists()


def test_the_card_layout_keeps_the_pass_qr_and_fits_the_code(cjk_font: None) -> None:
    card = cards.Card(number="00000042", name="纪卡片", compound="富通小区", address="9号楼2单元502",
                      community="富通社区", token="x" * 16 + ":" + "y" * 27, invite="ABCD2345",
                      join_url="https://shequ.example.cn/accounts/join/")
    _pages, text = _pdf_text(cards.cards_pdf([card], title="t"))
    assert "ABCD2345" in text and "00000042" in text
    assert cards.invite_group("ABCD2345") == "ABCD 2345"
