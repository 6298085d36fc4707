"""The afternoon of 广立南区 (seed 000): "当天下午2点半，我们分成五组，组织广立南区298户居民进行全员核酸
……一直到下午6时，才结束。" A compound of 298 households tested in five groups through the API, one
10-in-1 tube comes back positive, the re-test list names its ten people and their households, and
the coverage view shows who is still missing.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.alerts.models import Alert
from shequ.campaigns import services
from shequ.campaigns.models import Retest, Target
from shequ.registry.models import Building, Community, Compound, Household, Person, Room, Unit
from shequ.registry.services import apply_person_data, clean_person_fields

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
HOUSEHOLDS = 298
GROUPS = 5


def build_compound() -> list[Household]:
    """13 buildings of 2 units x 6 floors x 2 rooms (24 rooms each) hold 312 rooms; the first 298
    take one household each, of one to four persons."""
    community = Community.objects.get(code="futong")
    compound = Compound.objects.create(community=community, name="广立南区")
    households: list[Household] = []
    n = 0
    for b in range(1, 14):
        building = Building.objects.create(community=community, compound=compound, number=str(b), sort_key=b)
        for u in (1, 2):
            unit = Unit.objects.create(community=community, building=building, number=str(u), sort_key=u)
            for floor in range(1, 7):
                for door in (1, 2):
                    if n == HOUSEHOLDS:
                        return households
                    room = Room.objects.create(community=community, unit=unit, number=f"{floor}0{door}", floor=floor)
                    households.append(Household(community=community, room=room))
                    n += 1
    return households


def populate(households: list[Household]) -> None:
    Household.objects.bulk_create(households)
    persons = []
    for i, h in enumerate(households):
        for k in range(1 + i % 4):
            p = Person(community_id=h.community_id, household=h)
            apply_person_data(p, clean_person_fields(name=f"住户{i:03d}{'甲乙丙丁'[k]}"))
            persons.append(p)
    Person.objects.bulk_create(persons)


def test_the_afternoon_of_298_households(login: Any, users: dict[str, Any]) -> None:
    households = build_compound()
    populate(households)
    compound = Compound.objects.get(community__code="futong", name="广立南区")
    secretary = users["secretary"]
    campaign = services.campaign_create(actor=secretary, community=compound.community, name="广立南区全员核酸",
                                        kind="test_round", starts_on=timezone.localdate(), compounds=[compound])
    campaign = services.campaign_open(actor=secretary, campaign=campaign)
    targets = Target.objects.filter(campaign=campaign)
    total = targets.count()
    assert campaign.target_households.count() == HOUSEHOLDS
    assert total == sum(1 + i % 4 for i in range(HOUSEHOLDS))

    # Five groups from 14:30 to 18:00, each calling its buildings down one after another.
    buildings = list(compound.buildings.order_by("sort_key"))
    start = timezone.localtime().replace(hour=14, minute=30, second=0, microsecond=0)
    for g in range(GROUPS):
        mine = buildings[g::GROUPS]
        services.point_create(actor=secretary, campaign=campaign, name=f"第{g + 1}组", location="小区广场",
                              slots=[(start, start.replace(hour=18, minute=0), mine)])
    points = list(campaign.points.order_by("id"))
    assert [len(p.slots.get().slot_buildings.all()) for p in points] == [3, 3, 3, 2, 2]

    # Everyone comes down except the three households of building 13's top floor (and their people).
    persons = list(Person.objects.filter(household__room__unit__building__compound=compound).order_by(
        "household__room__unit__building__sort_key", "household__room__unit__sort_key", "household__room__floor",
        "household__room__number", "id"))
    absent_households = {h.pk for h in households[-3:]}
    comes_down = [p for p in persons if p.household_id not in absent_households]
    missing_people = [p for p in persons if p.household_id in absent_households]

    client = login("sampler1")
    tubes: dict[str, list[Person]] = {}
    for g, point in enumerate(points):
        served = {b.pk for b in buildings[g::GROUPS]}
        group = [p for p in comes_down if p.household.room.unit.building_id in served]
        for t in range(0, len(group), 10):
            code = f"GL{g + 1}{t // 10:03d}"
            chunk = group[t:t + 10]
            tubes[code] = chunk
            body = {"code": code, "pooling": 10, "point_id": point.pk, "close": True,
                    "samples": [{"client_id": str(uuid.uuid4()), "person_id": p.pk} for p in chunk]}
            response = client.post(reverse("api:campaign_tubes", args=[campaign.pk]), body,
                                    content_type="application/json")
            assert response.status_code == 201, response.content
            assert response.json()["closed"] and response.json()["size"] == len(chunk)

    # The lab's file: every tube negative except one full 10-in-1 tube.
    positive = next(code for code, chunk in tubes.items() if len(chunk) == 10)
    lines = ["管号,结果,时间"] + [f"{code},{'阳性' if code == positive else '阴性'},2022-11-12 22:40"
                                  for code in tubes]
    office = login("secretary")
    upload = io.BytesIO("\n".join(lines).encode("utf-8"))
    upload.name = "results.csv"
    page = office.post(reverse("campaigns:results", args=[campaign.pk]), {"file": upload})
    assert page.status_code == 200
    assert page.context["report"].imported == len(tubes) and not page.context["report"].bad

    alert = Alert.objects.filter(kind="tube_positive", params__tube=positive).get()
    assert alert.params["count"] == 10
    listed = office.get(reverse("campaigns:retests", args=[campaign.pk]))
    html = listed.content.decode()
    ten = tubes[positive]
    assert set(Retest.objects.filter(campaign=campaign, status="pending").values_list("person_id", flat=True)) == {
        p.pk for p in ten}
    for p in ten:
        room = p.household.room
        assert p.name in html
        assert f"{room.unit.building.number}-{room.unit.number}-{room.number}" in html
    api_list = office.get(reverse("api:campaign_retests", args=[campaign.pk])).json()
    assert {r["household_id"] for r in api_list} == {p.household_id for p in ten}

    # Coverage: everyone reached but the three absent households.
    detail = office.get(reverse("campaigns:detail", args=[campaign.pk]))
    coverage = detail.context["coverage"]
    assert coverage.total.targeted == total
    assert coverage.total.reached == len(comes_down)
    assert coverage.total.missing == len(missing_people)
    assert coverage.households.reached == HOUSEHOLDS - 3
    missing_page = office.get(reverse("campaigns:missing", args=[campaign.pk]))
    names = {t.person.name for t in missing_page.context["page"].object_list}
    assert names == {p.name for p in missing_people}

    # The ten are re-tested singly the next morning; all negative closes the loop.
    morning = timezone.now() - dt.timedelta(minutes=1)
    for i, p in enumerate(ten):
        body = {"code": f"RT{i:03d}", "pooling": 1, "samples": [{"client_id": str(uuid.uuid4()), "person_id": p.pk}]}
        assert client.post(reverse("api:campaign_tubes", args=[campaign.pk]), body,
                           content_type="application/json").status_code == 201
    rows = "\n".join(["tube,result,time"] + [f"RT{i:03d},negative,{morning:%Y-%m-%d %H:%M}" for i in range(10)])
    upload = io.BytesIO(rows.encode())
    upload.name = "retest.csv"
    office.post(reverse("campaigns:results", args=[campaign.pk]), {"file": upload})
    assert not Retest.objects.filter(campaign=campaign, status="pending").exists()
    assert Retest.objects.filter(campaign=campaign, status="negative").count() == 10
