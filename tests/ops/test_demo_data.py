"""The demo data: its shape, its anchors, its consistency, and that a seed always gives the same rows.

tests/conftest.py loads the demo (seed 2022) once per session; these tests read it and never build it
again, except for the pure plan (no database) that the determinism tests compare against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest
from django.db.models import Count, F, Q

from shequ.accounts.models import Membership, Role, User
from shequ.core.address import floor_of
from shequ.core.idnumber import parse_id_number
from shequ.core.phone import normalize_phone
from shequ.ops import demo_data
from shequ.ops.demo_data import (
    ANCHOR_BUILDING,
    ANCHOR_COMPOUND,
    ANCHOR_ROOM,
    ANCHOR_UNIT,
    DEMO_ACCOUNTS,
    NANXINCUN_ANCHOR_COMPOUND,
    REFERENCE_DATE,
    RESIDENCE_START,
    RESIDENT1_PERSONS,
    age_on,
    build_demo,
    demo_is_loaded,
    plan_demo,
)
from shequ.registry.models import (
    Building,
    Community,
    Compound,
    Grid,
    Household,
    Person,
    PersonTag,
    PropertyCompany,
    Residence,
    Room,
    Street,
    Unit,
)

pytestmark = pytest.mark.django_db

Row = tuple[str, ...]


def _futong() -> Community:
    return Community.objects.get(code="futong")


def _within(value: int, target: int, tolerance: float = 0.10) -> bool:
    return target * (1 - tolerance) <= value <= target * (1 + tolerance)


# -- shape ------------------------------------------------------------------------------------


def test_demo_is_loaded_once_with_two_communities_on_one_street() -> None:
    assert demo_is_loaded()
    assert list(Street.objects.values_list("code", "name")) == [("xinhua", "新华街道")]
    assert dict(Community.objects.values_list("code", "name")) == {"futong": "富通社区", "nanxincun": "南新村社区"}
    assert Community.objects.filter(street__code="xinhua").count() == 2


def test_build_refuses_a_database_that_has_communities() -> None:
    with pytest.raises(RuntimeError):
        build_demo(password="another-password")
    assert Community.objects.count() == 2


def test_futong_has_five_compounds_of_every_kind_and_37_buildings() -> None:
    futong = _futong()
    compounds = Compound.objects.filter(community=futong)
    assert compounds.count() == 5
    kinds = Counter(compounds.values_list("kind", flat=True))
    assert kinds == {Compound.Kind.GATED: 2, Compound.Kind.OPEN: 1, Compound.Kind.SINGLE_BUILDING: 2}
    assert Building.objects.filter(community=futong).count() == 37
    for compound in compounds.filter(kind=Compound.Kind.SINGLE_BUILDING):
        assert compound.buildings.count() == 1
    big = compounds.get(name=ANCHOR_COMPOUND)
    assert big.kind == Compound.Kind.GATED
    assert big.buildings.count() == max(c.buildings.count() for c in compounds)
    # Every gated compound and single building has its property company, of the same community.
    for compound in compounds.exclude(kind=Compound.Kind.OPEN):
        assert compound.property_company is not None
        assert compound.property_company.community_id == futong.pk


def test_futong_has_six_grids_and_every_building_is_in_one() -> None:
    futong = _futong()
    grids = Grid.objects.filter(community=futong)
    assert list(grids.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert grids.get(number=1).name == "第一网格"
    assert not Building.objects.filter(community=futong, grid__isnull=True).exists()
    assert not Building.objects.exclude(grid__community=F("community")).exists()
    # Every grid has buildings, and households to visit.
    assert all(g.buildings.exists() for g in grids)
    for grid in grids:
        assert Household.objects.filter(room__unit__building__grid=grid).count() > 100


def test_futong_has_about_1404_households_and_3600_persons() -> None:
    futong = _futong()
    assert _within(Household.objects.filter(community=futong, status="active").count(), 1404)
    assert _within(Person.objects.filter(community=futong, status="active").count(), 3600)


def test_nanxincun_is_small_and_has_its_own_9_2_502() -> None:
    nanxincun = Community.objects.get(code="nanxincun")
    assert 150 <= Household.objects.filter(community=nanxincun).count() <= 500
    assert 1 <= Grid.objects.filter(community=nanxincun).count() <= 2
    assert 2 <= Compound.objects.filter(community=nanxincun).count() <= 3
    building = Building.objects.get(community=nanxincun, compound__name=NANXINCUN_ANCHOR_COMPOUND, number="9")
    assert list(building.units.values_list("number", flat=True)) == ["1", "2"]
    room = Room.objects.get(unit__building=building, unit__number="2", number="502")
    assert room.households.filter(status="active").exists()


def test_rooms_are_numbered_floor_by_floor() -> None:
    for number, floor in Room.objects.values_list("number", "floor").iterator():
        assert floor == floor_of(number)
    tower_floors = Room.objects.filter(unit__building__compound__name=ANCHOR_COMPOUND, unit__building__number="19")
    assert max(tower_floors.values_list("floor", flat=True)) == 18
    doors = set(Room.objects.filter(unit__building__compound__name=ANCHOR_COMPOUND,
                                    unit__building__number="9", unit__number="2", floor=5)
                .values_list("number", flat=True))
    assert doors == {"501", "502"}


def test_most_rooms_hold_one_household_some_none_a_few_two() -> None:
    futong = _futong()
    per_room = Counter(
        Room.objects.filter(community=futong).annotate(n=Count("households")).values_list("n", flat=True)
    )
    assert per_room[1] > 0.9 * sum(per_room.values())
    assert per_room[0] > 0 and per_room[2] > 0
    assert max(per_room) == 2


# -- people -----------------------------------------------------------------------------------


def test_every_id_number_is_valid_and_agrees_with_sex_and_birth_date() -> None:
    rows = Person.objects.exclude(id_number=None).values_list("id_number", "sex", "birth_date")
    assert rows.count() > 3000
    for number, sex, birth in rows.iterator():
        info = parse_id_number(number)
        assert info.number == number
        assert (info.sex, info.birth_date) == (sex, birth)


def test_id_numbers_are_mostly_local_and_migrants_come_from_elsewhere() -> None:
    futong = _futong()
    local = Person.objects.filter(community=futong, residency="resident", id_number__startswith="22").count()
    residents = Person.objects.filter(community=futong, residency="resident").exclude(id_number=None).count()
    assert local == residents
    migrants = Person.objects.filter(community=futong, residency="migrant").exclude(id_number=None)
    assert migrants.exists()
    assert not migrants.filter(id_number__startswith="22").exists()


def test_every_phone_is_a_valid_mobile_number() -> None:
    phones = list(Person.objects.exclude(phone="").values_list("phone", flat=True))
    assert len(phones) > 2500
    for phone in phones:
        assert normalize_phone(phone) == phone
        assert len(phone) == 11 and phone[:2] in ("13", "15", "18")
    assert len(set(phones)) == len(phones)


def test_some_people_have_no_id_number_children_and_unknowns() -> None:
    futong = _futong()
    no_id = Person.objects.filter(community=futong, id_number=None)
    children = no_id.filter(birth_date__gt=REFERENCE_DATE - dt.timedelta(days=10 * 366))
    unknown = no_id.filter(birth_date=None)
    assert children.count() > 50
    assert 3 <= unknown.count() <= 10
    assert all("身份证号待核实" in p.notes for p in unknown)
    assert no_id.count() == children.count() + unknown.count()


def test_households_have_heads_and_families_have_relations() -> None:
    futong = _futong()
    households = Household.objects.filter(community=futong)
    assert not households.annotate(heads=Count("persons", filter=Q(persons__relation="head"))).exclude(heads=1).exists()
    relations = Counter(Person.objects.filter(community=futong).values_list("relation", flat=True))
    for relation in ("head", "spouse", "child", "parent", "grandchild", "child_in_law", "tenant", "other"):
        assert relations[relation] > 0, relation
    residency = Counter(Person.objects.filter(community=futong).values_list("residency", flat=True))
    for kind in ("resident", "tenant", "migrant", "non_resident"):
        assert residency[kind] > 0, kind


def test_migrant_workers_share_rooms() -> None:
    shared = (
        Household.objects.filter(community=_futong())
        .annotate(migrants=Count("persons", filter=Q(persons__residency="migrant")))
        .filter(migrants__gte=3)
    )
    assert shared.count() >= 10


def test_names_are_chinese_with_pinyin_filled_in() -> None:
    lengths = Counter()
    for name, initials, pinyin in Person.objects.values_list("name", "name_initials", "name_pinyin").iterator():
        assert all("\u4e00" <= ch <= "\u9fff" for ch in name)
        assert 2 <= len(name) <= 4
        assert len(initials) == len(name) and pinyin.isascii() and pinyin.isalpha()
        lengths[len(name)] += 1
    assert lengths[2] > 300 and lengths[3] > lengths[2]
    surnames = Counter(n[0] for n in Person.objects.values_list("name", flat=True))
    assert surnames.most_common(1)[0][0] in "王李张刘陈"


def test_every_person_has_one_open_residence_from_the_fixed_date() -> None:
    assert Residence.objects.count() == Person.objects.count()
    assert not Residence.objects.exclude(ended_at=None).exists()
    assert not Residence.objects.exclude(started_at=RESIDENCE_START).exists()
    assert not Residence.objects.exclude(household=F("person__household")).exists()


# -- special populations ----------------------------------------------------------------------


def test_about_51_elderly_live_alone_in_futong() -> None:
    from django.utils import timezone

    from tests.conftest import WORLD_BUILT_AT

    built = timezone.localdate(WORLD_BUILT_AT[0])  # the day the world was built: the demo's today
    tags = PersonTag.objects.filter(community=_futong(), tag=PersonTag.Tag.ELDERLY_ALONE).select_related("person")
    assert 46 <= tags.count() <= 56
    for tag in tags:
        person = tag.person
        assert tag.note
        assert person.birth_date is not None and age_on(person.birth_date) >= 70
        assert age_on(person.birth_date, built) >= 70
        assert person.household.persons.filter(status="active").count() == 1
        assert person.household.room.households.count() == 1


def test_every_special_population_is_present_with_details() -> None:
    futong = _futong()
    counts = Counter(PersonTag.objects.filter(community=futong).values_list("tag", flat=True))
    for tag in PersonTag.Tag.values:
        assert counts[tag] > 0, tag
    chronic = list(PersonTag.objects.filter(tag="chronic").values_list("note", flat=True))
    assert any("胰岛素" in note for note in chronic)
    assert any("抗排异药" in note for note in chronic)
    assert not PersonTag.objects.filter(note="").exists()
    stranded = Person.objects.filter(community=futong, tags__tag="stranded")
    assert stranded.count() >= 5
    assert not stranded.exclude(residency="non_resident").exists()
    for person in Person.objects.filter(tags__tag="infant"):
        assert person.birth_date is not None and age_on(person.birth_date) == 0
    assert not Person.objects.filter(tags__tag="pregnant").exclude(sex="female").exists()


# -- anchors and accounts ---------------------------------------------------------------------


def test_the_anchor_room_9_2_502_of_futong_is_in_grid_1_and_holds_resident1s_household() -> None:
    room = Room.objects.select_related("unit__building__grid").get(
        community__code="futong", unit__building__compound__name=ANCHOR_COMPOUND,
        unit__building__number=ANCHOR_BUILDING, unit__number=ANCHOR_UNIT, number=ANCHOR_ROOM,
    )
    assert room.floor == 5
    assert room.unit.building.grid.number == 1
    assert list(room.unit.building.units.values_list("number", flat=True)) == ["1", "2", "3"]
    household = room.households.get(status="active")
    persons = list(household.persons.all())
    assert [(p.name, p.relation, p.phone, p.birth_date) for p in persons] == [
        (fp.name, fp.relation, fp.phone, fp.birth_date) for fp in RESIDENT1_PERSONS
    ]
    assert 2 <= len(persons) <= 4 and all(p.id_number and p.phone for p in persons)
    membership = Membership.objects.get(user__username="resident1")
    assert (membership.role, membership.household_id, membership.community_id) == (
        Role.RESIDENT, household.pk, room.community_id,
    )


def test_every_demo_account_exists_with_its_role_and_scope() -> None:
    assert User.objects.count() == len(DEMO_ACCOUNTS) == 15
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.first_name == account.display_name
        assert not user.is_staff and not user.is_superuser and user.is_active
        membership = Membership.objects.get(user=user)
        assert membership.role == account.role
        if account.community is None:
            assert membership.street.code == "xinhua" and membership.community is None
        else:
            assert membership.community.code == account.community
        if account.role == Role.GRID_WORKER:
            assert membership.grid.number == account.grid and membership.grid.community.code == "futong"
    assert {m.user.username: m.role for m in Membership.objects.select_related("user")} == {
        "secretary": "secretary", "staff": "staff", "grid1": "grid_worker", "grid2": "grid_worker",
        "grid3": "grid_worker", "grid4": "grid_worker", "grid5": "grid_worker", "grid6": "grid_worker",
        "gate1": "gate_guard", "volunteer1": "volunteer", "property1": "property", "sampler1": "sampler",
        "street": "street", "resident1": "resident", "outsider": "staff",
    }
    property1 = Membership.objects.get(user__username="property1")
    assert property1.property_company.compounds.filter(name=ANCHOR_COMPOUND).exists()
    assert Membership.objects.get(user__username="outsider").community.code == "nanxincun"


def test_all_demo_accounts_share_one_password_hash() -> None:
    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    # conftest builds with its own password; the hash must check against it.
    from tests.conftest import TEST_PASSWORD

    assert User.objects.get(username="secretary").check_password(TEST_PASSWORD)


# -- every row carries its community ----------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "path"),
    [
        (PropertyCompany, None),
        (Compound, "property_company__community"),
        (Grid, None),
        (Building, "compound__community"),
        (Unit, "building__community"),
        (Room, "unit__community"),
        (Household, "room__community"),
        (Person, "household__community"),
        (Person, "household__room__unit__building__compound__community"),
        (PersonTag, "person__community"),
        (Residence, "person__community"),
        (Residence, "household__community"),
    ],
)
def test_every_row_carries_the_community_of_its_parent(model: Any, path: str | None) -> None:
    assert model.objects.exists()
    assert not model.objects.filter(community__isnull=True).exists()
    if path:
        assert not model.objects.exclude(**{path: F("community")}).exclude(**{f"{path}__isnull": True}).exists()


# -- determinism ------------------------------------------------------------------------------


def _digest(rows: Iterable[Row]) -> str:
    h = hashlib.sha256()
    for row in sorted(rows):
        h.update("\x1f".join(row).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def _plan_rows(plan: demo_data.DemoPlan) -> tuple[list[Row], list[Row]]:
    persons = []
    for p in plan.persons:
        room = p.household.room
        persons.append((
            p.community.code, room.unit.building.compound.name, room.unit.building.number, room.unit.number,
            room.number, p.name, p.id_number or "", p.phone, p.sex, str(p.birth_date), p.relation, p.residency,
        ))
    tags = [(t.person.community.code, t.person.name, t.person.id_number or "", t.tag, t.note) for t in plan.tags]
    return persons, tags


def _db_rows() -> tuple[list[Row], list[Row]]:
    persons = [
        tuple(str(v) if v is not None else "" for v in row)
        for row in Person.objects.values_list(
            "community__code", "household__room__unit__building__compound__name",
            "household__room__unit__building__number", "household__room__unit__number", "household__room__number",
            "name", "id_number", "phone", "sex", "birth_date", "relation", "residency",
        )
    ]
    # A missing birth date is "None" in the plan rows, as str(None).
    persons = [(*r[:9], r[9] or "None", *r[10:]) for r in persons]
    tags = [
        tuple(v or "" for v in row)
        for row in PersonTag.objects.values_list("community__code", "person__name", "person__id_number", "tag", "note")
    ]
    return persons, tags


@pytest.fixture(scope="module")
def plan_2022() -> demo_data.DemoPlan:
    return plan_demo(2022)


@pytest.mark.django_db(False)
def test_the_same_seed_plans_the_same_rows(plan_2022: demo_data.DemoPlan) -> None:
    again = plan_demo(2022)
    assert [_digest(rows) for rows in _plan_rows(again)] == [_digest(rows) for rows in _plan_rows(plan_2022)]
    assert [u.username for u in again.users] == [u.username for u in plan_2022.users]


@pytest.mark.django_db(False)
def test_another_seed_plans_other_people_in_the_same_places(plan_2022: demo_data.DemoPlan) -> None:
    other = plan_demo(2023)
    assert _digest(_plan_rows(other)[0]) != _digest(_plan_rows(plan_2022)[0])
    assert len(other.rooms) == len(plan_2022.rooms) and len(other.buildings) == len(plan_2022.buildings)
    assert len([h for h in other.households if h.community.code == "futong"]) == 1404
    resident1 = other.resident1_household
    assert resident1 is not None and [p.name for p in other.persons if p.household is resident1] == [
        fp.name for fp in RESIDENT1_PERSONS
    ]


def test_the_database_holds_exactly_the_planned_rows(plan_2022: demo_data.DemoPlan) -> None:
    planned_persons, planned_tags = _plan_rows(plan_2022)
    stored_persons, stored_tags = _db_rows()
    assert len(stored_persons) == len(planned_persons)
    assert _digest(stored_persons) == _digest(planned_persons)
    assert _digest(stored_tags) == _digest(planned_tags)
