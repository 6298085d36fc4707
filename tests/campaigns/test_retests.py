"""A positive tube leads somewhere (issue 9.6): the re-test list exports to Excel like every other
list, one action orders home quarantine for the tube's persons, and the office and the grid workers
of those persons are told."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from shequ.alerts.models import Alert
from shequ.audit.models import AuditEvent
from shequ.campaigns import services
from shequ.campaigns.models import Retest
from shequ.containment.models import MovementRestriction, RestrictionKind
from shequ.containment.services import restriction_create
from shequ.core.masking import mask_phone
from shequ.registry.models import Person
from tests.campaigns.conftest import sample_in

pytestmark = pytest.mark.django_db

AT = dt.datetime(2022, 1, 26, 14, tzinfo=dt.UTC)


def _persons(household: Any) -> list[Person]:
    return list(household.persons.filter(status="active").order_by("id"))


@pytest.fixture
def positive(test_round: Any, anchor_household: Any, secretary: Any) -> Any:
    """A positive 5-in-1 tube holding the anchor household (grid 1) and a person of the floor below."""
    neighbours = list(Person.objects.filter(household__room__unit=anchor_household.room.unit, status="active")
                      .exclude(household=anchor_household).order_by("id")[:1])
    people = [*_persons(anchor_household), *neighbours][:5]
    assert len(people) >= 3, "the test needs three persons in the anchor unit"
    tube = services.tube_register(actor=secretary, campaign=test_round, code="POS-1", pooling=5,
                                  samples=[sample_in(p) for p in people], close=True).tube
    services.tube_result_set(actor=secretary, tube=tube, result="positive", at=AT)
    tube.refresh_from_db()
    return tube


def _rows(response: Any) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_retest_list_exports_to_excel_with_full_numbers_for_staff(login: Any, test_round: Any,
                                                                     positive: Any) -> None:
    response = login("secretary").get(reverse("campaigns:retests", args=[test_round.pk]), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    retests = list(Retest.objects.filter(campaign=test_round).select_related("person"))
    assert rows[0][0] == "管号" and len(rows) - 1 == len(retests) == positive.size
    phones = {r.person.phone for r in retests if r.person.phone}
    assert phones and phones <= {row[rows[0].index("电话")] for row in rows[1:]}
    event = AuditEvent.objects.get(action="export", summary__startswith="campaign re-test list xlsx")
    assert f"{len(retests)} rows, unmasked" in event.summary


def test_a_grid_worker_exports_masked_numbers_of_their_grid_only(login: Any, test_round: Any, positive: Any,
                                                                other_grid_household: Any,
                                                                secretary: Any) -> None:
    # A second positive tube outside grid 1 stays out of grid 1's sheet.
    other = _persons(other_grid_household)[0]
    services.target_add(campaign=test_round, person=other)
    tube = services.tube_register(actor=secretary, campaign=test_round, code="POS-2", pooling=1,
                                  samples=[sample_in(other)]).tube
    services.tube_result_set(actor=secretary, tube=tube, result="positive", at=AT)
    rows = _rows(login("grid1").get(reverse("campaigns:retests", args=[test_round.pk]), {"format": "xlsx"}))
    codes = {row[0] for row in rows[1:]}
    assert codes == {"POS-1"}
    phone_column = rows[0].index("电话")
    full = {r.person.phone for r in Retest.objects.filter(source_tube=positive).select_related("person")}
    shown = {row[phone_column] for row in rows[1:] if row[phone_column]}
    assert shown and not shown & full and shown <= {mask_phone(p) for p in full}
    assert AuditEvent.objects.filter(action="export", summary__contains="masked").exists()


def test_home_quarantine_for_a_tube_skips_the_restricted_and_happens_once(test_round: Any, positive: Any,
                                                                         secretary: Any) -> None:
    persons = [r.person for r in Retest.objects.filter(source_tube=positive).select_related("person")
               .order_by("person_id")]
    restriction_create(actor=secretary, person=persons[0], kind=RestrictionKind.HOME_MONITORING,
                       starts_at=AT - dt.timedelta(days=1))
    before = AuditEvent.objects.count()
    outcome = services.retest_quarantine(actor=secretary, campaign=test_round, tube=positive, days=7, at=AT)
    assert [p.pk for p in outcome.ordered] == [p.pk for p in persons[1:]]
    assert [(p.pk, r.kind) for p, r in outcome.already] == [(persons[0].pk, RestrictionKind.HOME_MONITORING)]
    made = MovementRestriction.objects.filter(person__in=persons[1:], kind=RestrictionKind.HOME_QUARANTINE)
    assert made.count() == len(persons) - 1
    assert {(r.starts_at, r.ends_at) for r in made} == {(AT, AT + dt.timedelta(days=7))}
    assert all("POS-1" in r.reason for r in made)
    # Audited: each restriction, and the order for the tube.
    assert AuditEvent.objects.count() == before + len(persons)
    assert AuditEvent.objects.filter(object_type="tube", object_id=str(positive.pk),
                                     summary__contains="home quarantine").exists()
    again = services.retest_quarantine(actor=secretary, campaign=test_round, tube=positive, days=7, at=AT)
    assert not again.ordered and len(again.already) == len(persons)
    assert MovementRestriction.objects.filter(person__in=persons).count() == len(persons)


def test_home_quarantine_is_for_positive_tubes(test_round: Any, anchor_household: Any, secretary: Any) -> None:
    tube = services.tube_register(actor=secretary, campaign=test_round, code="NEG-1", pooling=1,
                                  samples=[sample_in(_persons(anchor_household)[0])]).tube
    services.tube_result_set(actor=secretary, tube=tube, result="invalid", at=AT)
    with pytest.raises(ValidationError):
        services.retest_quarantine(actor=secretary, campaign=test_round, tube=tube, days=7, at=AT)


def test_the_list_orders_home_quarantine_once_and_says_who_was_skipped(login: Any, test_round: Any,
                                                                       positive: Any, secretary: Any) -> None:
    first = Retest.objects.filter(source_tube=positive).select_related("person").order_by("person_id")[0].person
    restriction_create(actor=secretary, person=first, kind=RestrictionKind.CENTRAL_QUARANTINE)
    client = login("staff")
    page = client.get(reverse("campaigns:retests", args=[test_round.pk]))
    html = page.content.decode()
    url = reverse("campaigns:retest_quarantine", args=[test_round.pk, positive.pk])
    assert f'action="{url}"' in html
    key = uuid.uuid4().hex
    r = client.post(url, {"days": "7", "submission_key": key}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("campaigns:retests", args=[test_round.pk])
    text = r.content.decode()
    assert first.name in text  # named as already restricted
    count = MovementRestriction.objects.filter(kind=RestrictionKind.HOME_QUARANTINE,
                                               person__in=[x.person for x in Retest.objects.filter(
                                                   source_tube=positive)]).count()
    assert count == positive.size - 1
    client.post(url, {"days": "7", "submission_key": key})  # the same form again (back, resend)
    client.post(url, {"days": "7", "submission_key": uuid.uuid4().hex})  # a new one: all restricted now
    assert MovementRestriction.objects.filter(kind=RestrictionKind.HOME_QUARANTINE,
                                              person__in=[x.person for x in Retest.objects.filter(
                                                  source_tube=positive)]).count() == count


def test_only_those_who_manage_containment_order_quarantine(login: Any, test_round: Any, positive: Any) -> None:
    url = reverse("campaigns:retest_quarantine", args=[test_round.pk, positive.pk])
    for role in ("grid1", "sampler1"):
        assert login(role).post(url, {"days": "7", "submission_key": uuid.uuid4().hex}).status_code == 403
        assert url not in login(role).get(reverse("campaigns:retests", args=[test_round.pk])).content.decode()
    assert login("outsider").post(url, {"days": "7"}).status_code == 404
    assert not MovementRestriction.objects.filter(reason__contains="POS-1").exists()


def test_a_positive_tube_alerts_the_office_and_the_grid_workers_of_its_persons(login: Any, positive: Any,
                                                                             anchor_household: Any) -> None:
    alert = Alert.objects.get(kind="tube_positive", params__tube="POS-1")
    assert set(alert.grids.values_list("id", flat=True)) == {anchor_household.room.unit.building.grid_id}
    for role in ("secretary", "staff", "grid1"):
        assert alert in login(role).get(reverse("alerts:list")).context["page"].object_list, role
        assert alert in login(role).get(reverse("home")).context["alerts"], role
    assert alert not in login("grid2").get(reverse("alerts:list")).context["page"].object_list
    # The grid worker sees it; acknowledging it for the office is staff's.
    grid1 = login("grid1")
    assert reverse("alerts:acknowledge", args=[alert.pk]) not in grid1.get(reverse("alerts:list")).content.decode()
    assert grid1.post(reverse("alerts:acknowledge", args=[alert.pk])).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_office_sees_phone_numbers_masked_on_every_work_list(test_round: Any, positive: Any, login: Any) -> None:
    """A reveal is audited, so no page shows a full number on its own: the re-test list, the
    missing list, the comparison with the previous round and the door-to-door list show the
    secretary and staff numbers masked, as everyone else (the missing list's Call reveals one)."""
    phones = {p for p in Person.objects.filter(community=test_round.community).exclude(phone="")
              .values_list("phone", flat=True)}
    for username in ("secretary", "staff"):
        client = login(username)
        for name in ("campaigns:retests", "campaigns:missing", "campaigns:compare", "campaigns:door_to_door"):
            response = client.get(reverse(name, args=[test_round.pk]))
            assert response.status_code == 200, name
            page = response.content.decode()
            assert not [p for p in phones if p in page], (username, name)
    retests = login("secretary").get(reverse("campaigns:retests", args=[test_round.pk])).content.decode()
    assert any(mask_phone(r.person.phone) in retests for r in Retest.objects.filter(source_tube=positive)
               .select_related("person") if r.person.phone)
