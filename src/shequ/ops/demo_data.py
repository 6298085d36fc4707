"""Deterministic demo data: one street office, two communities, their places, people and accounts.

The main community is 富通社区 of 通化市东昌区 as a news report of January 2022 describes it: 37 buildings,
1,404 households, six grids, about 3,600 people, elderly people living alone, diabetics waiting for
insulin. The second community, 南新村社区, is small and exists so that scoping can be seen (and tested):
both communities have a "9-2-502".

Two stages. ``plan_demo(seed)`` makes every row as an unsaved model instance, touching no database, with
``random.Random(seed)`` as the only source of chance; ``build_demo`` writes the plan with bulk_create.
Person fields go through ``services.clean_person_fields`` and ``services.apply_person_data``, the same
validation and derived fields (pinyin) as a person typed into a form, but without a per-row service call
(and without an audit event per row: loading the demo is not anyone's act).

Ages are counted from ``REFERENCE_DATE``, not from today, so that the same seed gives the same rows on
any day. Tests may rely on the anchors defined below (``ANCHOR_*``, ``RESIDENT1_PERSONS``,
``DEMO_ACCOUNTS``) and on the counts in ``FUTONG_*``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from shequ.accounts.models import Membership, User
from shequ.core.bulkwrite import refresh_planner_statistics
from shequ.core.idnumber import make_id_number
from shequ.core.scoping import Role
from shequ.ops import names as N
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
from shequ.registry.services import apply_person_data, clean_person_fields, number_sort_key

# The demo's "today" for ages: the Tonghua lockdown of January 2022.
REFERENCE_DATE = dt.date(2022, 1, 20)
# Every demo person's open residence starts here.
RESIDENCE_START = dt.datetime(2021, 12, 1, tzinfo=dt.UTC)
RESIDENCE_REASON = "入户登记"

STREET_CODE = "xinhua"
STREET_NAME = "新华街道"
FUTONG = "futong"
NANXINCUN = "nanxincun"

# The room that both communities have, and the household that ``resident1`` belongs to.
ANCHOR_COMPOUND = "富通小区"
ANCHOR_BUILDING = "9"
ANCHOR_UNIT = "2"
ANCHOR_ROOM = "502"
ANCHOR_GRID = 1
NANXINCUN_ANCHOR_COMPOUND = "广立南区"

# Exact counts for futong (the household count is exact by construction: rooms - empty + shared).
FUTONG_COMPOUNDS = 5
FUTONG_BUILDINGS = 37
FUTONG_HOUSEHOLDS = 1404
FUTONG_ELDERLY_ALONE = 51


@dataclass(frozen=True)
class FixedPerson:
    name: str
    sex: str
    birth_date: dt.date
    id_sequence: int
    phone: str
    relation: str


# The household in 富通小区 9-2-502: every member has an ID number and a phone.
RESIDENT1_PERSONS: tuple[FixedPerson, ...] = (
    FixedPerson("刘志强", "male", dt.date(1978, 5, 16), 31, "13904351234", Person.Relation.HEAD),
    FixedPerson("孙丽娟", "female", dt.date(1980, 9, 3), 42, "13504358765", Person.Relation.SPOUSE),
    FixedPerson("刘雨涵", "female", dt.date(2003, 11, 21), 24, "18643512345", Person.Relation.CHILD),
)
RESIDENT1_AREA = "220502"

GRID_NAMES = ("第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str  # User.first_name
    role: str
    community: str | None  # community code; None for the street office
    grid: int | None = None
    where: str = ""  # what the membership is bound to, as ``shequ demo`` prints it


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("secretary", "李淑华", Role.SECRETARY, FUTONG, where="富通社区"),
    DemoAccount("staff", "王晓红", Role.STAFF, FUTONG, where="富通社区"),
    *(
        DemoAccount(f"grid{n}", name, Role.GRID_WORKER, FUTONG, grid=n, where=f"富通社区 {GRID_NAMES[n - 1]}")
        for n, name in enumerate(("张海燕", "刘建军", "陈丽萍", "杨志刚", "赵春燕", "黄立新"), start=1)
    ),
    DemoAccount("gate1", "周德明", Role.GATE_GUARD, FUTONG, where="富通社区 富通小区 东门"),
    DemoAccount("volunteer1", "吴思远", Role.VOLUNTEER, FUTONG, where="富通社区"),
    DemoAccount("property1", "徐国栋", Role.PROPERTY, FUTONG, where="富通社区 富通物业服务有限公司 (富通小区)"),
    DemoAccount("sampler1", "孙慧敏", Role.SAMPLER, FUTONG, where="富通社区"),
    DemoAccount("street", "马卫东", Role.STREET, None, where=STREET_NAME),
    DemoAccount("resident1", "刘志强", Role.RESIDENT, FUTONG, where="富通社区 富通小区 9-2-502"),
    DemoAccount("outsider", "郑文静", Role.STAFF, NANXINCUN, where="南新村社区"),
)

# -- the places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildingSpec:
    number: str
    units: int
    floors: int
    per_floor: int
    grid: int


@dataclass(frozen=True)
class CompoundSpec:
    name: str
    kind: str
    property_company: str | None
    buildings: tuple[BuildingSpec, ...]


@dataclass(frozen=True)
class CommunitySpec:
    code: str
    name: str
    grids: int
    compounds: tuple[CompoundSpec, ...]
    empty_rooms: int
    shared_rooms: int  # rooms with a second household (shared rentals)
    elderly_alone: int
    stranded: int
    unknown_id: int
    anchor_compound: str


def _blds(numbers: Sequence[int], *, units: int, floors: int, per_floor: int, grid: int) -> tuple[BuildingSpec, ...]:
    return tuple(BuildingSpec(str(n), units, floors, per_floor, grid) for n in numbers)


# 5 compounds, 37 buildings, 1,429 rooms; 45 stay empty and 20 hold a second household: 1,404 households.
FUTONG_SPEC = CommunitySpec(
    code=FUTONG,
    name="富通社区",
    grids=6,
    compounds=(
        CompoundSpec(ANCHOR_COMPOUND, Compound.Kind.GATED, "富通物业服务有限公司", (
            *_blds(range(1, 9), units=2, floors=5, per_floor=2, grid=1),
            *_blds([9], units=3, floors=6, per_floor=2, grid=1),
            *_blds(range(10, 16), units=3, floors=6, per_floor=2, grid=2),
            *_blds(range(16, 19), units=3, floors=6, per_floor=2, grid=3),
            # Two 18-storey towers, one stairwell with lifts, four flats a floor.
            *_blds([19, 20], units=1, floors=18, per_floor=4, grid=3),
        )),
        CompoundSpec("江南家园", Compound.Kind.GATED, "江南物业管理有限公司", (
            *_blds(range(1, 7), units=2, floors=12, per_floor=2, grid=4),
            *_blds(range(7, 11), units=2, floors=12, per_floor=2, grid=5),
        )),
        # A former factory dormitory: no fence, no property company, many old people and renters.
        CompoundSpec("化纤厂老宿舍", Compound.Kind.OPEN, None,
                     _blds(range(1, 6), units=3, floors=5, per_floor=3, grid=6)),
        # A lone building on the street (独体楼), with its own small property office.
        CompoundSpec("邮政宿舍楼", Compound.Kind.SINGLE_BUILDING, "邮政物业服务站",
                     _blds([1], units=2, floors=7, per_floor=3, grid=5)),
        CompoundSpec("供电局宿舍楼", Compound.Kind.SINGLE_BUILDING, "供电物业服务站",
                     _blds([1], units=1, floors=6, per_floor=3, grid=5)),
    ),
    empty_rooms=45,
    shared_rooms=20,
    elderly_alone=FUTONG_ELDERLY_ALONE,
    stranded=8,
    unknown_id=6,
    anchor_compound=ANCHOR_COMPOUND,
)

# 312 rooms, 304 households.
NANXINCUN_SPEC = CommunitySpec(
    code=NANXINCUN,
    name="南新村社区",
    grids=2,
    compounds=(
        CompoundSpec(NANXINCUN_ANCHOR_COMPOUND, Compound.Kind.GATED, "广立物业", (
            *_blds(range(1, 7), units=2, floors=6, per_floor=2, grid=1),
            *_blds(range(7, 11), units=2, floors=6, per_floor=2, grid=2),
        )),
        CompoundSpec("工人新村", Compound.Kind.OPEN, None, _blds(range(1, 4), units=2, floors=5, per_floor=2, grid=2)),
        CompoundSpec("铁路宿舍楼", Compound.Kind.SINGLE_BUILDING, "铁路物业服务站",
                     _blds([1], units=1, floors=6, per_floor=2, grid=2)),
    ),
    empty_rooms=12,
    shared_rooms=4,
    elderly_alone=10,
    stranded=2,
    unknown_id=2,
    anchor_compound=NANXINCUN_ANCHOR_COMPOUND,
)

COMMUNITY_SPECS = (FUTONG_SPEC, NANXINCUN_SPEC)

# Household make-up, weighted. Old open compounds hold more old couples, renters and workers.
KIND_WEIGHTS: dict[str, dict[str, int]] = {
    "default": {
        "nuclear3": 25, "nuclear4": 6, "three_gen": 9, "elderly_couple": 18, "couple": 13,
        "single": 12, "single_parent": 4, "tenant": 9, "migrant": 4,
    },
    Compound.Kind.OPEN: {
        "nuclear3": 16, "nuclear4": 4, "three_gen": 8, "elderly_couple": 26, "couple": 8,
        "single": 10, "single_parent": 4, "tenant": 14, "migrant": 10,
    },
}


# -- the plan -----------------------------------------------------------------------------------


@dataclass
class DemoPlan:
    """Every demo row, unsaved, in the order they are written."""

    street: Street
    communities: list[Community] = field(default_factory=list)
    companies: list[PropertyCompany] = field(default_factory=list)
    compounds: list[Compound] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    tags: list[PersonTag] = field(default_factory=list)
    residences: list[Residence] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    resident1_household: Household | None = None


class _Weighted:
    """random.choices with the cumulative weights computed once."""

    def __init__(self, items: Sequence[tuple[Any, int]]) -> None:
        self.values = [v for v, _w in items]
        self.cum = list(accumulate(w for _v, w in items))

    def pick(self, rng: random.Random) -> Any:
        return rng.choices(self.values, cum_weights=self.cum)[0]


_SURNAMES = _Weighted(N.SURNAMES)
_LOCAL = _Weighted(N.LOCAL_AREAS)
_OTHER = _Weighted(N.OTHER_AREAS)
_GIVEN = {
    ("old", "male"): N.GIVEN_OLD_MALE,
    ("old", "female"): N.GIVEN_OLD_FEMALE,
    ("mid", "male"): N.GIVEN_MID_MALE,
    ("mid", "female"): N.GIVEN_MID_FEMALE,
    ("young", "male"): N.GIVEN_YOUNG_MALE,
    ("young", "female"): N.GIVEN_YOUNG_FEMALE,
}
_KIND_PICKERS = {kind: _Weighted(list(weights.items())) for kind, weights in KIND_WEIGHTS.items()}
MALE, FEMALE = Person.Sex.MALE, Person.Sex.FEMALE
R = Person.Relation
RES = Person.Residency


def age_on(birth: dt.date, day: dt.date = REFERENCE_DATE) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class _CommunityPlanner:
    """Fills one community's households. Holds the generator and the numbers already handed out."""

    def __init__(self, rng: random.Random, plan: DemoPlan, community: Community, spec: CommunitySpec,
                 used_phones: set[str]) -> None:
        self.rng = rng
        self.plan = plan
        self.community = community
        self.spec = spec
        self.used_ids: set[str] = set()  # ID numbers are unique per community
        self.used_phones = used_phones
        self.names_in_household: dict[int, set[str]] = {}  # no two 黄楠 in one family

    # -- single values ----------------------------------------------------------------------
    def surname(self) -> str:
        return str(_SURNAMES.pick(self.rng))

    def name(self, surname: str, sex: str, birth: dt.date) -> str:
        era = "old" if birth.year < 1960 else "mid" if birth.year < 1990 else "young"
        return surname + self.rng.choice(_GIVEN[(era, sex)])

    def birth(self, age: int) -> dt.date:
        """A birth date making the person ``age`` years old on the reference date."""
        start = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age - 1) + dt.timedelta(days=1)
        end = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def id_number(self, area: str, birth: dt.date, sex: str) -> str:
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if sex == MALE else 0)
            number = make_id_number(area, birth, sequence)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(N.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    # -- persons ----------------------------------------------------------------------------
    def person(
        self,
        household: Household,
        *,
        sex: str,
        age: int,
        relation: str,
        surname: str | None = None,
        residency: str = RES.RESIDENT,
        area: str | None = None,
        phone_chance: float | None = None,
        notes: str = "",
    ) -> Person:
        rng = self.rng
        birth = self.birth(age)
        surname = surname or self.surname()
        taken = self.names_in_household.setdefault(id(household), set())
        name = self.name(surname, sex, birth)
        while name in taken:
            name = self.name(surname, sex, birth)
        taken.add(name)
        # Young children often have no number on the roster yet.
        has_id = age >= 10 or (age >= 3 and rng.random() < 0.75)
        id_number = self.id_number(area or _LOCAL.pick(rng), birth, sex) if has_id else None
        if phone_chance is None:
            phone_chance = 0.0 if age < 14 else 0.55 if age >= 75 else 0.93
        phone = self.phone() if rng.random() < phone_chance else ""
        return self.add_person(household, name=name, sex=sex, birth=birth, id_number=id_number, phone=phone,
                               residency=residency, relation=relation, notes=notes)

    def add_person(self, household: Household, *, name: str, sex: str, birth: dt.date | None,
                   id_number: str | None, phone: str, residency: str, relation: str, notes: str = "") -> Person:
        data = clean_person_fields(name=name, id_number=id_number, phone=phone, sex=sex, birth_date=birth,
                                   residency=residency, relation=relation, notes=notes)
        person = Person(community=self.community, household=household)
        apply_person_data(person, data)
        self.plan.persons.append(person)
        self.plan.residences.append(Residence(community=self.community, person=person, household=household,
                                              started_at=RESIDENCE_START, reason=RESIDENCE_REASON))
        return person

    def tag(self, person: Person, tag: str, note: str) -> None:
        self.plan.tags.append(PersonTag(community=self.community, person=person, tag=tag, note=note[:200]))

    # -- households -------------------------------------------------------------------------
    def household(self, room: Room, note: str = "") -> Household:
        household = Household(community=self.community, room=room, note=note)
        self.plan.households.append(household)
        return household

    def couple(self, h: Household, *, head_age: int, head_male: bool, residency: str = RES.RESIDENT,
               area: str | None = None) -> tuple[Person, str, int]:
        """Head and spouse. Returns the head, the head's own surname and the wife's age; children
        take the husband's surname, which is the head's when the head is the husband."""
        rng = self.rng
        husband_surname, wife_surname = self.surname(), self.surname()
        wife_age = max(20, head_age + rng.randint(-4, 2)) if head_male else head_age
        husband_age = head_age if head_male else max(21, head_age + rng.randint(-2, 4))
        order = ((MALE, husband_age, husband_surname), (FEMALE, wife_age, wife_surname))
        if not head_male:
            order = order[::-1]
        head = None
        for (sex, age, surname), relation in zip(order, (R.HEAD, R.SPOUSE), strict=True):
            p = self.person(h, sex=sex, age=age, surname=surname, relation=relation, residency=residency, area=area)
            head = head or p
        assert head is not None
        return head, order[0][2], wife_age

    def children(self, h: Household, *, surname: str, mother_age: int, count: int, relation: str = R.CHILD,
                 residency: str = RES.RESIDENT, area: str | None = None) -> None:
        for _i in range(count):
            oldest = max(0, min(mother_age - 21, 24))
            self.person(h, sex=self.rng.choice((MALE, FEMALE)), age=self.rng.randint(0, oldest), surname=surname,
                        relation=relation, residency=residency, area=area)

    def fill(self, room: Room, kind: str) -> Household:
        rng = self.rng
        if kind in ("nuclear3", "nuclear4"):
            h = self.household(room)
            head_male = rng.random() < 0.8
            _head, head_surname, mother_age = self.couple(h, head_age=rng.randint(27, 52), head_male=head_male)
            kid_surname = head_surname if head_male else self.surname()
            self.children(h, surname=kid_surname, mother_age=mother_age, count=1 if kind == "nuclear3" else 2)
        elif kind == "three_gen":
            h = self.household(room)
            if rng.random() < 0.6:
                # A couple with their child and one or two of the head's parents.
                head_age = rng.randint(32, 52)
                head_male = rng.random() < 0.8
                _head, head_surname, mother_age = self.couple(h, head_age=head_age, head_male=head_male)
                kid_surname = head_surname if head_male else self.surname()
                self.children(h, surname=kid_surname, mother_age=mother_age, count=rng.choice((1, 1, 2)))
                parent_age = min(head_age + rng.randint(24, 32), 92)
                parents = rng.choice(((MALE, FEMALE), (FEMALE,), (FEMALE,), (MALE,)))
                for sex in parents:
                    self.person(h, sex=sex, age=parent_age + (0 if sex == MALE else rng.randint(-3, 0)),
                                surname=head_surname if sex == MALE else None, relation=R.PARENT)
            else:
                # Grandparents' flat: their son or daughter, the in-law and the grandchildren.
                head_age = rng.randint(58, 76)
                head_male = rng.random() < 0.85
                _head, head_surname, _wife_age = self.couple(h, head_age=head_age, head_male=head_male)
                surname = head_surname if head_male else self.surname()
                child_age = max(24, head_age - rng.randint(24, 32))
                son = rng.random() < 0.6
                child_sex, in_law_sex = (MALE, FEMALE) if son else (FEMALE, MALE)
                in_law_surname = self.surname()
                self.person(h, sex=child_sex, age=child_age, surname=surname, relation=R.CHILD)
                self.person(h, sex=in_law_sex, age=child_age + rng.randint(-3, 3), surname=in_law_surname,
                            relation=R.CHILD_IN_LAW)
                kid_surname = surname if son else in_law_surname
                self.children(h, surname=kid_surname, mother_age=child_age, count=rng.choice((1, 1, 2)),
                              relation=R.GRANDCHILD)
        elif kind == "elderly_couple":
            h = self.household(room)
            head_male = rng.random() < 0.85
            _head, head_surname, _wife_age = self.couple(h, head_age=rng.randint(62, 88), head_male=head_male)
            if rng.random() < 0.12:
                surname = head_surname if head_male else self.surname()
                h.note = "孙辈随住,父母在外地务工"
                self.children(h, surname=surname, mother_age=30, count=1, relation=R.GRANDCHILD)
        elif kind == "couple":
            h = self.household(room)
            self.couple(h, head_age=rng.randint(23, 62), head_male=rng.random() < 0.8)
        elif kind == "single":
            h = self.household(room)
            self.person(h, sex=rng.choice((MALE, FEMALE)), age=rng.randint(20, 66), relation=R.HEAD)
        elif kind == "single_parent":
            h = self.household(room)
            sex = FEMALE if rng.random() < 0.7 else MALE
            head_age = rng.randint(28, 50)
            head_surname = self.surname()
            self.person(h, sex=sex, age=head_age, surname=head_surname, relation=R.HEAD)
            kid_surname = head_surname if sex == MALE or rng.random() < 0.4 else self.surname()
            self.children(h, surname=kid_surname, mother_age=head_age, count=1)
        elif kind == "tenant":
            h = self.household(room, note="租住")
            area = _LOCAL.pick(rng) if rng.random() < 0.5 else _OTHER.pick(rng)
            shape = rng.random()
            if shape < 0.5:
                self.person(h, sex=rng.choice((MALE, FEMALE)), age=rng.randint(20, 40), relation=R.HEAD,
                            residency=RES.TENANT, area=area)
            else:
                head_male = rng.random() < 0.8
                _head, head_surname, mother_age = self.couple(h, head_age=rng.randint(22, 40), head_male=head_male,
                                                              residency=RES.TENANT, area=area)
                if shape >= 0.8:
                    kid_surname = head_surname if head_male else self.surname()
                    self.children(h, surname=kid_surname, mother_age=mother_age, count=1, residency=RES.TENANT,
                                  area=area)
        elif kind == "migrant":
            h = self.household(room, note="务工人员合住")
            hometown = _OTHER.pick(rng)
            for i in range(rng.randint(3, 6)):
                area = hometown if rng.random() < 0.7 else _OTHER.pick(rng)
                self.person(h, sex=MALE if rng.random() < 0.85 else FEMALE, age=rng.randint(19, 55),
                            relation=R.HEAD if i == 0 else R.OTHER, residency=RES.MIGRANT, area=area,
                            phone_chance=1.0, notes=rng.choice(N.MIGRANT_WORK))
        elif kind == "elderly_alone":
            h = self.household(room)
            p = self.person(h, sex=FEMALE if rng.random() < 0.65 else MALE, age=rng.randint(70, 93),
                            relation=R.HEAD, phone_chance=0.8)
            self.tag(p, PersonTag.Tag.ELDERLY_ALONE, rng.choice(N.ELDERLY_ALONE_NOTES))
            if rng.random() < 0.5:
                self.tag(p, PersonTag.Tag.CHRONIC, rng.choice(N.CHRONIC_NOTES))
        elif kind == "resident1":
            h = self.household(room)
            self.plan.resident1_household = h
            for fp in RESIDENT1_PERSONS:
                id_number = make_id_number(RESIDENT1_AREA, fp.birth_date, fp.id_sequence)
                self.used_ids.add(id_number)
                self.add_person(h, name=fp.name, sex=fp.sex, birth=fp.birth_date, id_number=id_number,
                                phone=fp.phone, residency=RES.RESIDENT, relation=fp.relation)
        else:  # pragma: no cover - a typo in KIND_WEIGHTS
            raise ValueError(kind)
        return h

    # -- the community ----------------------------------------------------------------------
    def places(self) -> tuple[list[tuple[Room, str]], Room]:
        """Compounds, grids, buildings, units and rooms; returns each room with its compound kind,
        and the anchor room 9-2-502."""
        spec, community, plan = self.spec, self.community, self.plan
        grids = {}
        for number in range(1, spec.grids + 1):
            grids[number] = Grid(community=community, number=number, name=GRID_NAMES[number - 1])
            plan.grids.append(grids[number])
        rooms: list[tuple[Room, str]] = []
        anchor: Room | None = None
        for cspec in spec.compounds:
            company = None
            if cspec.property_company:
                company = PropertyCompany(community=community, name=cspec.property_company, phone=self.phone())
                plan.companies.append(company)
            compound = Compound(community=community, name=cspec.name, kind=cspec.kind, property_company=company)
            plan.compounds.append(compound)
            for bspec in cspec.buildings:
                building = Building(community=community, compound=compound, number=bspec.number,
                                    sort_key=number_sort_key(bspec.number), grid=grids[bspec.grid])
                plan.buildings.append(building)
                for u in range(1, bspec.units + 1):
                    unit = Unit(community=community, building=building, number=str(u), sort_key=u)
                    plan.units.append(unit)
                    for floor in range(1, bspec.floors + 1):
                        for door in range(1, bspec.per_floor + 1):
                            room = Room(community=community, unit=unit, number=f"{floor}{door:02d}", floor=floor)
                            plan.rooms.append(room)
                            rooms.append((room, cspec.kind))
                            if (cspec.name, bspec.number, str(u), room.number) == (
                                spec.anchor_compound, ANCHOR_BUILDING, ANCHOR_UNIT, ANCHOR_ROOM
                            ):
                                anchor = room
        assert anchor is not None, "the anchor room 9-2-502 is missing from the spec"
        return rooms, anchor

    def populate(self) -> None:
        rng, spec = self.rng, self.spec
        rooms, anchor = self.places()
        anchor_index = next(i for i, (room, _k) in enumerate(rooms) if room is anchor)
        others = [i for i in range(len(rooms)) if i != anchor_index]
        chosen = rng.sample(others, spec.empty_rooms + spec.shared_rooms + spec.elderly_alone)
        empty = set(chosen[: spec.empty_rooms])
        shared = set(chosen[spec.empty_rooms : spec.empty_rooms + spec.shared_rooms])
        alone = set(chosen[spec.empty_rooms + spec.shared_rooms :])
        families: list[Household] = []
        for i, (room, compound_kind) in enumerate(rooms):
            if i in empty:
                continue
            if i == anchor_index:
                kind = "resident1" if spec.code == FUTONG else "nuclear3"
            elif i in alone:
                kind = "elderly_alone"
            else:
                kind = _KIND_PICKERS.get(compound_kind, _KIND_PICKERS["default"]).pick(rng)
            h = self.fill(room, kind)
            if kind not in ("tenant", "migrant", "elderly_alone", "resident1", "single"):
                families.append(h)
            if i in shared:
                # A second household in the same flat: renters sharing it.
                h.note = h.note or "合租"
                self.fill(room, "tenant" if rng.random() < 0.7 else "migrant").note = "合租"
        self.extras(families)

    def extras(self, families: list[Household]) -> None:
        """People who are not a family's own: lodgers, people stranded by the lockdown, people whose
        ID number nobody knows; then the special-population tags."""
        rng, spec = self.rng, self.spec
        for h in families:
            if rng.random() < 0.02:
                self.person(h, sex=rng.choice((MALE, FEMALE)), age=rng.randint(20, 35), relation=R.TENANT,
                            residency=RES.TENANT, notes="借住")
        for h in rng.sample(families, spec.stranded):
            home, area = rng.choice(N.STRANDED_HOMES)
            p = self.person(h, sex=rng.choice((MALE, FEMALE)), age=rng.randint(18, 75), relation=R.OTHER,
                            residency=RES.NON_RESIDENT, area=area, phone_chance=1.0)
            self.tag(p, PersonTag.Tag.STRANDED, rng.choice(N.STRANDED_REASONS).format(home=home))
        community_persons = [p for p in self.plan.persons if p.community is self.community]
        candidates = [p for p in community_persons if p.residency in (RES.MIGRANT, RES.TENANT) and p.id_number]
        for p in rng.sample(candidates, spec.unknown_id):
            self.used_ids.discard(p.id_number or "")
            data = clean_person_fields(name=p.name, id_number=None, phone=p.phone, sex=p.sex, birth_date=None,
                                       residency=p.residency, relation=p.relation,
                                       notes=(p.notes + ";" if p.notes else "") + "身份证号待核实")
            apply_person_data(p, data)
        self.special_tags(community_persons)

    def special_tags(self, persons: list[Person]) -> None:
        rng = self.rng
        tagged: dict[int, set[str]] = {}
        for t in self.plan.tags:
            tagged.setdefault(id(t.person), set()).add(t.tag)
        sizes = Counter(id(p.household) for p in persons)
        for p in persons:
            if p.household is self.plan.resident1_household:
                continue  # resident1's household stays as documented
            have = tagged.get(id(p), set())
            if p.birth_date is None:
                continue
            age = age_on(p.birth_date)
            if p.relation == R.HEAD and p.residency == RES.RESIDENT:
                chance = 0.15 if PersonTag.Tag.ELDERLY_ALONE in have else 0.03
                if rng.random() < chance:
                    note = rng.choice(N.LOW_INCOME_NOTES).format(amount=rng.choice((480, 560, 620, 700)))
                    self.tag(p, PersonTag.Tag.LOW_INCOME, f"{note},{sizes[id(p.household)]}口人")
            if age == 0:
                self.tag(p, PersonTag.Tag.INFANT, f"{p.birth_date:%Y年%m月}出生,{rng.choice(N.INFANT_NOTES)}")
            if PersonTag.Tag.CHRONIC not in have:
                chance = 0.25 if age >= 75 else 0.15 if age >= 60 else 0.06 if age >= 45 else 0.008 if age >= 18 else 0
                if rng.random() < chance:
                    urgent = age < 45 or rng.random() < 0.08
                    self.tag(p, PersonTag.Tag.CHRONIC, rng.choice(N.CHRONIC_NOTES_URGENT if urgent else N.CHRONIC_NOTES))
            if age >= 8 and rng.random() < 0.012:
                self.tag(p, PersonTag.Tag.DISABLED, rng.choice(N.DISABLED_NOTES))
            if age >= 70 and sizes[id(p.household)] > 1 and rng.random() < 0.02:
                self.tag(p, PersonTag.Tag.BEDRIDDEN, rng.choice(N.BEDRIDDEN_NOTES))
            if (p.sex == FEMALE and 22 <= age <= 38 and p.relation in (R.HEAD, R.SPOUSE, R.CHILD_IN_LAW)
                    and p.residency != RES.MIGRANT and rng.random() < 0.045):
                weeks = rng.randint(8, 38)
                due = REFERENCE_DATE + dt.timedelta(weeks=40 - weeks)
                self.tag(p, PersonTag.Tag.PREGNANT,
                         f"孕{weeks}周,预产期{due.isoformat()},{rng.choice(N.PREGNANT_HOSPITALS)}产检")


def plan_demo(seed: int = 2022) -> DemoPlan:
    """Every demo row as an unsaved instance. Pure: no database, no clock; same seed, same rows."""
    rng = random.Random(seed)
    plan = DemoPlan(street=Street(code=STREET_CODE, name=STREET_NAME))
    used_phones = {fp.phone for fp in RESIDENT1_PERSONS}
    for spec in COMMUNITY_SPECS:
        community = Community(street=plan.street, code=spec.code, name=spec.name)
        plan.communities.append(community)
        _CommunityPlanner(rng, plan, community, spec, used_phones).populate()
    _plan_accounts(plan)
    return plan


def _plan_accounts(plan: DemoPlan) -> None:
    communities = {c.code: c for c in plan.communities}
    grids = {(g.community.code, g.number): g for g in plan.grids}
    futong_company = next(c.property_company for c in plan.compounds
                          if c.community.code == FUTONG and c.name == ANCHOR_COMPOUND)
    resident_household = plan.resident1_household
    assert resident_household is not None
    for account in DEMO_ACCOUNTS:
        user = User(username=account.username, first_name=account.display_name, is_staff=False, is_superuser=False)
        plan.users.append(user)
        membership = Membership(user=user, role=account.role)
        if account.role == Role.STREET:
            membership.street = plan.street
        else:
            assert account.community is not None
            membership.community = communities[account.community]
        if account.grid is not None:
            membership.grid = grids[(FUTONG, account.grid)]
        if account.role == Role.PROPERTY:
            membership.property_company = futong_company
        if account.role == Role.RESIDENT:
            membership.household = resident_household
        plan.memberships.append(membership)


# -- writing ------------------------------------------------------------------------------------


def demo_is_loaded() -> bool:
    return Community.objects.exists()


@transaction.atomic
def build_demo(*, seed: int = 2022, password: str) -> dict[str, Any]:
    """Write the demo into an empty database; returns the counts. Refuses a database with communities."""
    if demo_is_loaded():
        raise RuntimeError("the database already holds communities; the demo is loaded into an empty one")
    plan = plan_demo(seed)
    # Hashing is slow on purpose: hash once, every demo user shares the password.
    password_hash = make_password(password)
    for user in plan.users:
        user.password = password_hash
    plan.street.save()
    # bulk_create sets primary keys (PostgreSQL, SQLite >= 3.35), and children pick up their
    # parents' keys from the instances assigned to them, so the order below is the only wiring.
    tables: tuple[tuple[type[models.Model], Sequence[models.Model]], ...] = (
        (Community, plan.communities),
        (PropertyCompany, plan.companies),
        (Compound, plan.compounds),
        (Grid, plan.grids),
        (Building, plan.buildings),
        (Unit, plan.units),
        (Room, plan.rooms),
        (Household, plan.households),
        (Person, plan.persons),
        (PersonTag, plan.tags),
        (Residence, plan.residences),
        (User, plan.users),
        (Membership, plan.memberships),
    )
    for model, rows in tables:
        model._default_manager.bulk_create(rows, batch_size=500)  # ``objects``, for each of them
    refresh_planner_statistics(Compound, Building, Unit, Room, Household, Person, PersonTag, Residence, Membership)
    from shequ.campaigns.demo import build_campaigns
    from shequ.ops.demo_gates import build_gates

    return {**summarize(plan), **build_gates(seed=seed), **build_campaigns(seed=seed)}


def summarize(plan: DemoPlan) -> dict[str, Any]:
    by_community: dict[str, dict[str, Any]] = {}
    for c in plan.communities:
        by_community[c.code] = {
            "name": c.name,
            "compounds": sum(1 for x in plan.compounds if x.community is c),
            "buildings": sum(1 for x in plan.buildings if x.community is c),
            "grids": sum(1 for x in plan.grids if x.community is c),
            "rooms": sum(1 for x in plan.rooms if x.community is c),
            "households": sum(1 for x in plan.households if x.community is c),
            "persons": sum(1 for x in plan.persons if x.community is c),
            "elderly_alone": sum(1 for t in plan.tags if t.community is c and t.tag == PersonTag.Tag.ELDERLY_ALONE),
        }
    return {
        "communities": len(plan.communities),
        "compounds": len(plan.compounds),
        "buildings": len(plan.buildings),
        "grids": len(plan.grids),
        "rooms": len(plan.rooms),
        "households": len(plan.households),
        "persons": len(plan.persons),
        "tags": dict(sorted(Counter(t.tag for t in plan.tags).items())),
        "users": len(plan.users),
        "by_community": by_community,
    }
