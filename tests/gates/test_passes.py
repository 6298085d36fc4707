"""Pass pages: scoping, issuing and reissuing (the old token stops identifying), pass cards as PDF,
and the resident's own passes."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from shequ.audit.models import AuditEvent
from shequ.core import pdf
from shequ.core.submission import new_key
from shequ.gates import cards
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass
from shequ.passes.services import identify
from shequ.registry.models import Grid, Household, Person
from tests.facts import give_numbers

pytestmark = pytest.mark.django_db


def _first_person(household: Household) -> Person:
    return household.persons.filter(status="active").order_by("id").first()


def _active(person: Person) -> Pass | None:
    return Pass.objects.filter(person=person, revoked_at__isnull=True).first()


def _pdf_text(body: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(body))
    # fpdf2 places CJK glyphs one by one: pypdf reads them back with spaces (or NULs) between.
    text = "".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"[\s\x00]+", "", text)


# -- scoping --------------------------------------------------------------------------------------------


def test_grid_worker_sees_the_pass_of_a_person_in_their_grid(login: Any, anchor_household: Household) -> None:
    person = _first_person(anchor_household)
    response = login("grid1").get(reverse("gates:pass_person", args=[person.pk]))
    assert response.status_code == 200
    assert person.name in response.content.decode()
    assert cards.card_number(_active(person)) in response.content.decode()


def test_grid_worker_cannot_issue_for_another_grids_person(login: Any, other_grid_household: Household) -> None:
    person = _first_person(other_grid_household)
    before = list(Pass.objects.filter(person=person).values_list("id", "revoked_at"))
    client = login("grid1")
    assert client.get(reverse("gates:pass_person", args=[person.pk])).status_code == 404
    response = client.post(reverse("gates:pass_issue", args=[person.pk]), {"submission_key": new_key()})
    assert response.status_code == 404
    assert client.get(reverse("gates:pass_cards_household", args=[other_grid_household.pk])).status_code == 404
    assert list(Pass.objects.filter(person=person).values_list("id", "revoked_at")) == before


def test_outsider_gets_404_and_roles_without_the_capability_403(login: Any, anchor_household: Household) -> None:
    person = _first_person(anchor_household)
    url = reverse("gates:pass_issue", args=[person.pk])
    assert login("outsider").post(url, {"submission_key": new_key()}).status_code == 404
    for role in ("gate1", "volunteer1", "property1", "sampler1", "street", "resident1"):
        assert login(role).post(url, {"submission_key": new_key()}).status_code == 403, role
    assert login(None).get(url).status_code == 302
    assert _active(person) is not None and Pass.objects.filter(person=person).count() == 1


def test_grid_worker_cannot_print_another_grids_cards(login: Any, users: Any) -> None:
    from shequ.accounts.models import Membership

    own = Membership.objects.get(user__username="grid1").grid
    other = Grid.objects.filter(community=own.community).exclude(pk=own.pk).order_by("number").first()
    client = login("grid1")
    assert client.get(reverse("gates:pass_cards_grid", args=[other.pk])).status_code == 404
    building = other.buildings.order_by("id").first()
    assert client.get(reverse("gates:pass_cards_building", args=[building.pk])).status_code == 404


# -- issuing and reissuing -----------------------------------------------------------------------------


def test_reissuing_revokes_the_old_pass_at_once(login: Any, anchor_household: Household) -> None:
    person = _first_person(anchor_household)
    old = _active(person)
    old_token = pass_tokens.token_for(old.code)
    assert identify(community_id=person.community_id, credential=old_token).problem is None
    client = login("secretary")
    page = client.get(reverse("gates:pass_issue", args=[person.pk]))
    assert page.status_code == 200
    assert 'type="submit" class="danger"' in page.content.decode()  # the reissue warning, not a plain issue
    key = new_key()
    response = client.post(reverse("gates:pass_issue", args=[person.pk]), {"submission_key": key})
    assert response.status_code == 302
    assert response["Location"] == reverse("gates:pass_person", args=[person.pk])

    found = identify(community_id=person.community_id, credential=old_token)
    assert found.problem == "pass_revoked" and found.person == person
    new = _active(person)
    assert new.pk != old.pk
    assert identify(community_id=person.community_id, credential=pass_tokens.token_for(new.code)).problem is None
    assert AuditEvent.objects.filter(action="create", object_type="pass", object_id=str(new.pk)).exists()


def test_a_double_submitted_reissue_issues_one_pass(login: Any, anchor_household: Household) -> None:
    person = _first_person(anchor_household)
    client = login("grid1")
    key = new_key()
    url = reverse("gates:pass_issue", args=[person.pk])
    first = client.post(url, {"submission_key": key})
    second = client.post(url, {"submission_key": key})
    assert first.status_code == second.status_code == 302
    assert Pass.objects.filter(person=person).count() == 2  # the demo's pass and exactly one new one
    assert Pass.objects.filter(person=person, revoked_at__isnull=True).count() == 1


def test_a_person_without_a_pass_is_shown_so_and_can_get_one(login: Any, anchor_household: Household) -> None:
    person = _first_person(anchor_household)
    Pass.objects.filter(person=person).update(revoked_at="2022-04-01T00:00:00Z")
    client = login("staff")
    page = client.get(reverse("gates:pass_person", args=[person.pk])).content.decode()
    assert reverse("gates:pass_issue", args=[person.pk]) in page
    household_page = client.get(reverse("gates:pass_household", args=[anchor_household.pk])).content.decode()
    assert person.name in household_page
    client.post(reverse("gates:pass_issue", args=[person.pk]), {"submission_key": new_key()})
    assert _active(person) is not None


def test_no_pass_for_someone_who_moved_out(login: Any, anchor_household: Household) -> None:
    person = _first_person(anchor_household)
    Pass.objects.filter(person=person).update(revoked_at="2022-04-01T00:00:00Z")
    Person.objects.filter(pk=person.pk).update(status=Person.Status.MOVED_OUT)
    response = login("staff").post(reverse("gates:pass_issue", args=[person.pk]), {"submission_key": new_key()})
    assert response.status_code == 302
    assert _active(person) is None


# -- pass cards ----------------------------------------------------------------------------------------


def test_household_cards_carry_name_address_and_community(login: Any, anchor_household: Household,
                                                          cjk_font: None) -> None:
    members = list(anchor_household.persons.filter(status="active").order_by("id"))
    without = members[-1]
    Pass.objects.filter(person=without).update(revoked_at="2022-04-01T00:00:00Z")
    response = login("grid1").get(reverse("gates:pass_cards_household", args=[anchor_household.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages, text = _pdf_text(response.content)
    assert pages == 1
    for person in members:
        assert person.name in text
    assert "9号楼2单元502" in text
    assert "富通小区" in text and anchor_household.community.name in text
    # The person without a pass got one, and its number is on the card.
    issued = _active(without)
    assert issued is not None and cards.card_number(issued) in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_type="household",
                                   object_id=str(anchor_household.pk))
    assert f"{len(members)} cards, 1 passes issued" in event.summary


def test_the_card_qr_holds_the_pass_token_and_never_the_id_number(anchor_household: Household) -> None:
    for member in Person.objects.filter(household=anchor_household, status="active"):
        give_numbers(member)
    persons = list(Person.objects.filter(household=anchor_household, status="active").select_related(
        "household__room__unit__building__compound", "community"))
    active = {p.person_id: p for p in Pass.objects.filter(person__in=persons, revoked_at__isnull=True)}
    printed = cards.cards_for(persons, active)
    assert len(printed) == len(persons)
    for card, person in zip(printed, persons, strict=True):
        assert card.token == pass_tokens.token_for(active[person.pk].code)
        assert identify(community_id=person.community_id, credential=card.token).person == person
        # The token signs the pass's random code (asserted above), so no number of the person is in it;
        # only whole numbers are looked for: a six-digit suffix turns up in a random token by chance.
        assert person.id_number not in card.token and person.phone not in card.token


def test_building_cards_have_ten_to_a_page(login: Any, anchor_household: Household, cjk_font: None) -> None:
    building = anchor_household.room.unit.building
    living = Person.objects.filter(status="active", household__status="active",
                                   household__room__unit__building=building).count()
    response = login("staff").get(reverse("gates:pass_cards_building", args=[building.pk]))
    assert response.status_code == 200
    pages, text = _pdf_text(response.content)
    assert pages == -(-living // cards.PER_PAGE)
    assert text.count("9号楼") == living
    assert AuditEvent.objects.filter(action="export", object_type="building", object_id=str(building.pk)).exists()


def test_grid_cards_are_printed_for_the_grid_workers_own_grid(login: Any, anchor_household: Household,
                                                              cjk_font: None) -> None:
    grid = anchor_household.room.unit.building.grid
    response = login("grid1").get(reverse("gates:pass_cards_grid", args=[grid.pk]))
    assert response.status_code == 200
    pages, text = _pdf_text(response.content)
    living = Person.objects.filter(status="active", household__status="active",
                                   household__room__unit__building__grid=grid).count()
    assert pages == -(-living // cards.PER_PAGE)
    assert _first_person(anchor_household).name in text


def test_without_a_font_a_print_issues_and_records_nothing(login: Any, anchor_household: Household,
                                                          monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """The page says what to install; no pass is issued and no export is in the audit log, since
    nothing was printed."""
    without = anchor_household.persons.filter(status="active").order_by("id").last()
    Pass.objects.filter(person=without).update(revoked_at="2022-04-01T00:00:00Z")
    monkeypatch.setenv("SHEQU_PDF_FONT", str(tmp_path / "nowhere.ttc"))
    pdf.cjk_font.cache_clear()
    try:
        response = login("grid1").get(reverse("gates:pass_cards_household", args=[anchor_household.pk]))
    finally:
        pdf.cjk_font.cache_clear()
    assert response.status_code == 503 and "nowhere.ttc" in response.content.decode()
    assert _active(without) is None
    assert not AuditEvent.objects.filter(action="export", object_type="household",
                                         object_id=str(anchor_household.pk)).exists()


def test_printing_nobody_gives_a_page_that_says_so(cjk_font: None) -> None:
    pages, text = _pdf_text(cards.cards_pdf([], title="t"))
    assert pages == 1 and text


# -- the resident's own passes ---------------------------------------------------------------------------


def test_resident_sees_a_qr_for_each_member_of_their_own_household_only(
    login: Any, anchor_household: Household, other_grid_household: Household
) -> None:
    response = login("resident1").get(reverse("gates:passes_own"))
    assert response.status_code == 200
    html = response.content.decode()
    members = list(anchor_household.persons.filter(status="active"))
    assert html.count("<svg") == len(members)
    for person in members:
        assert person.name in html
    for stranger in other_grid_household.persons.all():
        assert stranger.name not in html
    assert "no-store" in response["Cache-Control"]


def test_resident_member_without_a_pass_sees_no_code(login: Any, anchor_household: Household) -> None:
    person = _first_person(anchor_household)
    Pass.objects.filter(person=person).update(revoked_at="2022-04-01T00:00:00Z")
    html = login("resident1").get(reverse("gates:passes_own")).content.decode()
    assert html.count("<svg") == anchor_household.persons.filter(status="active").count() - 1


@pytest.mark.parametrize("role", ["secretary", "grid1", "gate1", "outsider"])
def test_only_residents_have_an_own_passes_page(login: Any, role: str) -> None:
    assert login(role).get(reverse("gates:passes_own")).status_code == 403


def test_pass_index_finds_a_person_in_scope(login: Any, anchor_household: Household,
                                            other_grid_household: Household) -> None:
    person = _first_person(anchor_household)
    stranger = _first_person(other_grid_household)
    client = login("grid1")
    html = client.get(reverse("gates:passes"), {"q": person.name}).content.decode()
    assert reverse("gates:pass_person", args=[person.pk]) in html
    html = client.get(reverse("gates:passes"), {"q": stranger.name}).content.decode()
    assert reverse("gates:pass_person", args=[stranger.pk]) not in html
