"""Campaign pages: creating and opening, the grid worker's visit list, sample registration, scoping,
exports."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from django.urls import reverse

from shequ.accounts.access import scope_for
from shequ.audit.models import AuditEvent
from shequ.campaigns import selectors, services
from shequ.campaigns.models import Campaign, Sample, Target, Tube
from shequ.registry.models import Household, Person
from tests.campaigns.conftest import open_round, sample_in

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_staff_create_and_open_a_campaign_over_buildings(login: Any, building9: Any) -> None:
    client = login("staff")
    response = client.post(reverse("campaigns:create"), {
        "name": "第四轮核酸", "kind": "test_round", "starts_on": "2022-01-27",
        "compounds": [building9.compound_id], "buildings": "9, 8", "submission_key": uuid.uuid4().hex})
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="第四轮核酸")
    assert {p.building.number for p in campaign.places.all()} == {"8", "9"}
    assert client.get(reverse("campaigns:open", args=[campaign.pk])).status_code == 405
    client.post(reverse("campaigns:open", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "open"
    assert set(Target.objects.filter(campaign=campaign).values_list("building__number", flat=True)) == {"8", "9"}


def test_a_building_not_in_the_compound_is_named(login: Any, building9: Any) -> None:
    response = login("staff").post(reverse("campaigns:create"), {
        "name": "x", "kind": "test_round", "starts_on": "2022-01-27", "compounds": [building9.compound_id],
        "buildings": "9, 99"})
    assert response.status_code == 200 and "99" in response.content.decode()


def test_grid_worker_sees_only_their_grids_missing_people(login: Any, users: dict[str, Any]) -> None:
    campaign = open_round(users["secretary"])  # the whole community
    grid1 = users["grid1"]
    scope = scope_for(grid1)
    grid_id = next(iter(scope.granted("grid")))
    response = login("grid1").get(reverse("campaigns:missing", args=[campaign.pk]))
    assert response.status_code == 200
    shown = response.context["page"].paginator.count
    assert shown == Target.objects.filter(campaign=campaign, grid_id=grid_id).count() > 0
    coverage = selectors.coverage(scope, campaign)
    assert [r.key for r in coverage.grids] == [grid_id]
    assert coverage.total.targeted == shown
    # The secretary sees the whole community.
    assert selectors.coverage(scope_for(users["secretary"]), campaign).total.targeted == Target.objects.filter(
        campaign=campaign).count()


def test_grid_worker_cannot_open_a_household_of_another_grid(login: Any, users: dict[str, Any],
                                                             other_grid_household: Any) -> None:
    campaign = open_round(users["secretary"], kind="screening")
    assert login("grid1").get(reverse("campaigns:household", args=[campaign.pk, other_grid_household.pk])
                              ).status_code == 404
    assert login("secretary").get(reverse("campaigns:household", args=[campaign.pk, other_grid_household.pk])
                                  ).status_code == 200


def test_outsider_gets_404_for_a_futong_campaign(login: Any, test_round: Any) -> None:
    client = login("outsider")
    for name in ("campaigns:detail", "campaigns:missing", "campaigns:results", "campaigns:retests"):
        assert client.get(reverse(name, args=[test_round.pk])).status_code == 404
    assert client.get(reverse("api:campaign_coverage", args=[test_round.pk])).status_code == 404
    assert test_round.pk not in [c["id"] for c in client.get(reverse("api:campaigns")).json()]


def test_visit_list_is_in_walking_order_and_the_visit_form_saves(login: Any, screening: Any) -> None:
    client = login("grid1")
    page = client.get(reverse("campaigns:visits", args=[screening.pk]))
    rows = list(page.context["page"].object_list)
    keys = [(t.building.sort_key, t.unit.sort_key, t.floor, t.household.room.number) for t in rows]
    assert keys == sorted(keys)
    household = rows[0].household
    persons = list(household.persons.filter(status="active").order_by("id"))
    data = {"outcome": "visited", "notes": "", "submission_key": uuid.uuid4().hex}
    for p in persons:
        data[f"state_{p.pk}"] = "present"
        data[f"temp_{p.pk}"] = "36.4"
    url = reverse("campaigns:household", args=[screening.pk, household.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same form again: no second visit
    assert screening.visits.filter(household=household).count() == 1
    after = client.get(reverse("campaigns:visits", args=[screening.pk]))
    assert household.pk not in [t.household_id for t in after.context["page"].object_list]
    assert Target.objects.filter(campaign=screening, household=household, reached_at__isnull=False).count() == len(
        persons)


def test_someone_found_on_the_doorstep_is_registered_and_targeted(login: Any, screening: Any,
                                                                  anchor_household: Any) -> None:
    url = reverse("campaigns:household", args=[screening.pk, anchor_household.pk])
    response = login("grid1").post(url, {"action": "found", "name": "装修工人甲", "residency": "migrant",
                                         "relation": "other", "submission_key": uuid.uuid4().hex})
    assert response.status_code == 302
    person = Person.objects.get(name="装修工人甲", household=anchor_household)
    target = Target.objects.get(campaign=screening, person=person)
    assert target.found_in_screening and target.added_mid_round
    assert AuditEvent.objects.filter(action="create", object_type="person", object_id=str(person.pk)).exists()


def test_sampling_page_registers_by_pass_and_closes_full_tube(login: Any, test_round: Any,
                                                             anchor_household: Any, users: dict[str, Any]) -> None:
    from shequ.passes import tokens as pass_tokens
    from shequ.passes.services import pass_issue

    client = login("sampler1")
    url = reverse("campaigns:sample", args=[test_round.pk])
    persons = list(anchor_household.persons.filter(status="active").order_by("id"))
    token = pass_tokens.token_for(pass_issue(actor=users["secretary"], person=persons[0]).code)
    r = client.post(url, {"tube": "s-001", "pooling": "5", "credential": token, "client_id": str(uuid.uuid4())})
    assert r.status_code == 302 and "tube=S-001" in r["Location"]
    r = client.post(url, {"tube": "S-001", "pooling": "5", "person": persons[1].pk, "client_id": str(uuid.uuid4())})
    assert Sample.objects.filter(tube__code="S-001", campaign=test_round).count() == 2
    page = client.get(r["Location"])
    assert persons[0].name in page.content.decode()
    # Unknown credentials are named, not registered.
    r = client.post(url, {"tube": "S-001", "pooling": "5", "credential": "13000000000",
                          "client_id": str(uuid.uuid4())}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert [str(m) for m in r.context["messages"]] == [services.IDENTITY_MESSAGES["unknown_person"]]
    assert services.IDENTITY_MESSAGES["unknown_person"] in r.content.decode()
    assert Tube.objects.get(code="S-001", campaign=test_round).size == 2
    # Close the tube early.
    r = client.post(url, {"tube": "S-001", "pooling": "5", "close": "on", "client_id": str(uuid.uuid4())})
    assert Tube.objects.get(code="S-001", campaign=test_round).is_closed
    assert "tube=" not in r["Location"]  # the next tube starts empty


def test_lookup_by_address(login: Any, test_round: Any, anchor_household: Any) -> None:
    page = login("sampler1").get(reverse("campaigns:sample", args=[test_round.pk]), {"q": "9-2-502", "tube": "X"})
    found = [p for p, _cid in page.context["found"]]
    assert anchor_household.pk in {p.household_id for p in found}
    assert {p.household.room.address for p in found} == {"9-2-502"}


def test_door_to_door_list_has_elderly_alone_and_restricted(login: Any, users: dict[str, Any]) -> None:
    from shequ.containment.models import MovementRestriction

    campaign = open_round(users["secretary"])
    page = login("staff").get(reverse("campaigns:door_to_door", args=[campaign.pk]))
    person_ids = {r["target"].person_id for r in page.context["page"].paginator.object_list}  # every page
    elderly = set(Person.objects.filter(community__code="futong", status="active", household__status="active",
                                        tags__tag="elderly_alone").values_list("id", flat=True))
    assert elderly and elderly <= person_ids
    restricted = MovementRestriction.objects.filter(person__community__code="futong", ends_at__isnull=True,
                                                    person__status="active").values_list("person_id", flat=True)
    assert set(restricted) <= person_ids


def test_missing_exports_are_chinese_and_audited(login: Any, test_round: Any, building9: Any, cjk_font: None) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    client = login("secretary")
    url = reverse("campaigns:missing", args=[test_round.pk])
    xlsx = client.get(url, {"format": "xlsx", "building": building9.pk})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "小区" and len(rows) - 1 == Target.objects.filter(campaign=test_round).count()
    pdf = client.get(url, {"format": "pdf", "building": building9.pk})
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().replace("\x00", "")
    assert "未" in text and building9.compound.name in text
    assert AuditEvent.objects.filter(action="export", summary__startswith="campaign missing list").count() == 2


def test_grid_worker_export_masks_phones(login: Any, test_round: Any) -> None:
    from openpyxl import load_workbook

    xlsx = login("grid1").get(reverse("campaigns:missing", args=[test_round.pk]), {"format": "xlsx"})
    phones = [r[6] for r in list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))[1:]]
    assert phones and all("*" in p for p in phones if p)


def test_compare_with_previous_round(login: Any, users: dict[str, Any], building9: Any) -> None:
    secretary = users["secretary"]
    first = open_round(secretary, name="第一轮", buildings=[building9])
    persons = list(Person.objects.filter(household__room__unit__building=building9, status="active").order_by("id"))
    services.tube_register(actor=secretary, campaign=first, code="A", pooling=10,
                           samples=[sample_in(p) for p in persons[:4]])
    services.campaign_close(actor=secretary, campaign=first)
    second = open_round(secretary, name="第二轮", buildings=[building9])
    assert second.previous_id == first.pk
    services.tube_register(actor=secretary, campaign=second, code="B", pooling=5,
                           samples=[sample_in(p) for p in persons[:2]])
    page = login("staff").get(reverse("campaigns:compare", args=[second.pk]))
    assert {t.person_id for t in page.context["page"].object_list} == {persons[2].pk, persons[3].pk}


def test_field_pages_show_each_role_its_part_of_a_whole_community_round(login: Any, users: dict[str, Any]) -> None:
    from shequ.campaigns.models import TargetHousehold
    from shequ.registry.models import Grid, PersonTag

    grid1 = Grid.objects.get(community__code="futong", number=1)
    bedridden = Person.objects.filter(household__room__unit__building__grid=grid1, status="active").order_by("id")[0]
    PersonTag.objects.create(community_id=bedridden.community_id, person=bedridden, tag="bedridden")
    campaign = open_round(users["secretary"], name="全社区核酸")
    screening = open_round(users["secretary"], kind="screening", name="全社区排查")
    everyone = Target.objects.filter(campaign=campaign)
    households = TargetHousehold.objects.filter(campaign=screening)
    for role, mine, doors in (("secretary", everyone, households), ("sampler1", everyone, households),
                              ("grid1", everyone.filter(grid=grid1), households.filter(grid=grid1))):
        client = login(role)
        ids = set(mine.values_list("person_id", flat=True))
        detail = client.get(reverse("campaigns:detail", args=[campaign.pk]))
        assert detail.context["coverage"].total.targeted == len(ids) and campaign.name in detail.content.decode()
        missing = client.get(reverse("campaigns:missing", args=[campaign.pk]))
        assert missing.context["page"].paginator.count == len(ids), role
        door = {r["target"].person_id for r in client.get(reverse("campaigns:door_to_door", args=[campaign.pk]))
                .context["rows"]}
        assert bedridden.pk in door and door <= ids, role
        sample = client.get(reverse("campaigns:sample", args=[campaign.pk])).content.decode()
        assert 'name="tube"' in sample and 'name="credential"' in sample
        assert client.get(reverse("campaigns:retests", args=[campaign.pk])).context["groups"] == []
        assert client.get(reverse("campaigns:tubes", args=[campaign.pk])).context["page"].paginator.count == 0
        points = client.get(reverse("campaigns:points", args=[campaign.pk]))
        assert points.context["points"] == [] and points.context["manages"] is (role == "secretary")
        visits = client.get(reverse("campaigns:visits", args=[screening.pk]))
        assert visits.context["page"].paginator.count == doors.count() > 0, role


def test_household_unvisited_of_vacated_household_is_not_targeted(users: dict[str, Any], building9: Any) -> None:
    vacated = Household.objects.filter(room__unit__building=building9, status="active").first()
    from shequ.registry.services import household_move_out

    household_move_out(actor=users["secretary"], household=vacated, reason="搬走")
    campaign = open_round(users["secretary"], buildings=[building9])
    assert not campaign.target_households.filter(household=vacated).exists()


def test_a_visit_to_a_closed_round_is_refused_with_a_message(login: Any, screening: Any, users: dict[str, Any],
                                                             anchor_household: Any) -> None:
    services.campaign_close(actor=users["secretary"], campaign=screening)
    url = reverse("campaigns:household", args=[screening.pk, anchor_household.pk])
    response = login("grid1").post(url, {"outcome": "nobody_home", "submission_key": uuid.uuid4().hex})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not screening.visits.exists()


def test_lookup_a_stairwell(login: Any, test_round: Any, anchor_household: Any) -> None:
    page = login("sampler1").get(reverse("campaigns:sample", args=[test_round.pk]), {"q": "9-2", "tube": "X"})
    found = [p for p, _cid in page.context["found"]]
    assert anchor_household.pk in {p.household_id for p in found}
    assert {(p.household.room.unit.building.number, p.household.room.unit.number) for p in found} == {("9", "2")}
    floors = [p.household.room.floor for p in found if p.household.room.unit.building.compound_id
              == anchor_household.room.unit.building.compound_id]
    assert floors == sorted(floors)


def test_without_javascript_a_lookup_keeps_the_tube_and_add_fills_it(login: Any, test_round: Any,
                                                                     anchor_household: Any) -> None:
    """The look-up's buttons belong to the tube's form: searching keeps the tube typed so far, and
    Add puts the person into it (issue 9.3), with the results still shown afterwards."""
    client = login("sampler1")
    url = reverse("campaigns:sample", args=[test_round.pk])
    r = client.post(url, {"tube": "nj-1", "pooling": "5", "q": "9-2", "action": "lookup",
                          "client_id": str(uuid.uuid4())})
    assert r.status_code == 302 and "tube=nj-1" in r["Location"] and "q=9-2" in r["Location"]
    page = client.get(r["Location"])
    assert page.context["form"]["tube"].value() == "NJ-1"
    html = page.content.decode()
    person = anchor_household.persons.filter(status="active").order_by("id").first()
    assert f'name="person" value="{person.pk}"' in html and "disabled" not in html.split('lookup-people')[1]
    r = client.post(url, {"tube": "NJ-1", "pooling": "5", "person": str(person.pk), "q": "9-2",
                          "client_id": str(uuid.uuid4())})
    assert r.status_code == 302 and "q=9-2" in r["Location"]
    assert Sample.objects.filter(tube__campaign=test_round, tube__code="NJ-1", person=person).exists()
    page = client.get(r["Location"])
    assert dict(page.context["found"])[person] == ["NJ-1"]  # marked as in this tube


def test_enter_in_the_search_field_without_javascript_looks_up(login: Any, test_round: Any) -> None:
    r = login("sampler1").post(reverse("campaigns:sample", args=[test_round.pk]),
                               {"tube": "", "pooling": "10", "q": "9-2-502", "client_id": str(uuid.uuid4())})
    assert r.status_code == 302 and "q=9-2-502" in r["Location"]
    assert not Tube.objects.filter(campaign=test_round).exists()


def test_a_refused_registration_shows_why_and_keeps_what_was_typed(login: Any, test_round: Any,
                                                                    anchor_household: Any,
                                                                    users: dict[str, Any]) -> None:
    person = anchor_household.persons.filter(status="active").order_by("id").first()
    url = reverse("campaigns:sample", args=[test_round.pk])
    client = login("sampler1")
    r = client.post(url, {"tube": "", "pooling": "10", "person": str(person.pk), "client_id": str(uuid.uuid4())})
    assert r.status_code == 200 and r.context["form"].errors["tube"]
    services.tube_register(actor=users["secretary"], campaign=test_round, code="SHUT", pooling=1,
                           samples=[sample_in(person)])
    r = client.post(url, {"tube": "SHUT", "pooling": "1", "credential": person.phone or person.id_number,
                          "client_id": str(uuid.uuid4())})
    assert r.status_code == 200
    assert "SHUT" in str(r.context["form"].errors) and r.context["form"]["tube"].value() == "SHUT"


def test_the_sampling_page_of_a_screening_says_there_are_no_tubes(login: Any, screening: Any) -> None:
    r = login("grid1").get(reverse("campaigns:sample", args=[screening.pk]))
    assert r.status_code == 200 and r.context["screening"] and "sample-form" not in r.content.decode()


@pytest.mark.parametrize("level", ["unit", "building", "compound"])
def test_door_to_door_lists_everyone_still_missing_in_a_sealed_place(level: str, users: dict[str, Any],
                                                                     test_round: Any, anchor_household: Any) -> None:
    """Issue 9.5: people of a sealed unit (building, compound) cannot come down; all who are still
    missing belong on the door-to-door list, whatever their tags."""
    import datetime as dt

    from shequ.containment.services import area_create

    secretary = users["secretary"]
    unit = anchor_household.room.unit
    place = {"unit": unit, "building": unit.building, "compound": unit.building.compound}[level]
    sealed_at = dt.datetime(2022, 1, 26, 6, tzinfo=dt.UTC)
    area_create(actor=secretary, level="sealed", place=place, starts_at=sealed_at)
    in_place = Target.objects.filter(campaign=test_round, **({"unit": unit} if level == "unit" else {}))
    reached = in_place.order_by("id").first()
    services.tube_register(actor=secretary, campaign=test_round, code="D2D-1", pooling=1,
                           samples=[sample_in(reached.person)])
    rows = selectors.door_to_door(scope_for(secretary), test_round, at=sealed_at + dt.timedelta(hours=3))
    listed = {r["target"].person_id: r["reasons"] for r in rows}
    missing = set(in_place.filter(reached_at__isnull=True, exempt_reason="").values_list("person_id", flat=True))
    assert missing and missing <= set(listed)
    assert all("sealed area" in listed[p] for p in missing)
    assert "sealed area" not in listed.get(reached.person_id, [])
    if level == "unit":  # the building's other units are not sealed
        others = Target.objects.filter(campaign=test_round).exclude(unit=unit).values_list("person_id", flat=True)
        assert not any("sealed area" in listed.get(p, []) for p in others)
    # Before the seal, and for a grid worker of another grid, nobody is listed for it.
    before = selectors.door_to_door(scope_for(secretary), test_round, at=sealed_at - dt.timedelta(hours=1))
    assert not any("sealed area" in r["reasons"] for r in before)
    assert not selectors.door_to_door(scope_for(users["grid2"]), test_round, at=sealed_at + dt.timedelta(hours=3))


def test_the_door_to_door_page_names_the_sealed_area(login: Any, users: dict[str, Any], test_round: Any,
                                                     anchor_household: Any) -> None:
    from shequ.containment.services import area_create

    area_create(actor=users["secretary"], level="sealed", place=anchor_household.room.unit)
    page = login("sampler1").get(reverse("campaigns:door_to_door", args=[test_round.pk]))
    person = anchor_household.persons.filter(status="active").order_by("id").first()
    assert person.pk in {r["target"].person_id for r in page.context["rows"]}
    assert "封控区" in page.content.decode()
