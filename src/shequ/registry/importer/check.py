"""Checking one row: its cells read and validated with the registry's own functions
(``clean_person_fields``), the coded fields' office wording, the address in canonical form and the
tags. A valid row becomes a ``_Row``; an invalid one a rejection naming the column and reason."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from shequ.core.address import floor_of, parse_address, parse_building, parse_room, parse_unit
from shequ.core.text import clean_text, compact, normalize, normalize_name

# Rows per write transaction. One transaction per batch rather than one for the whole file: SQLite has
# a single writer, and a 100,000-row import takes long enough that pages saving a form meanwhile would
from shequ.registry.importer.read import (
    ADDRESS,
    BUILDING,
    COMPOUND,
    ID_NUMBER,
    NOTE,
    PHONE,
    RELATION,
    RESIDENCY,
    ROOM,
    SEX,
    TAGS,
    UNIT,
    RosterTable,
    cell_text,
)
from shequ.registry.importer.report import ImportResult, RejectedRow
from shequ.registry.models import (
    Person,
    PersonTag,
)
from shequ.registry.services import (
    PersonData,
    clean_person_fields,
)

# -- labels offices write for the coded fields ------------------------------------------------------

_RELATION_LABELS = {
    Person.Relation.HEAD: "户主 本人 户主本人",
    Person.Relation.SPOUSE: "配偶 妻 妻子 夫 丈夫 老伴",
    Person.Relation.CHILD: "子女 子 女 儿子 女儿 长子 次子 三子 长女 次女 三女 独生子 独生女 养子 养女 继子 继女",
    Person.Relation.PARENT: "父母 父亲 母亲 父 母 公公 婆婆 岳父 岳母",
    Person.Relation.GRANDCHILD: "孙子女 孙子 孙女 外孙 外孙子 外孙女",
    Person.Relation.GRANDPARENT: "祖父母 祖父 祖母 外祖父 外祖母 外祖父母 爷爷 奶奶 外公 外婆",
    Person.Relation.SIBLING: "兄弟姐妹 兄弟 姐妹 兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹",
    Person.Relation.CHILD_IN_LAW: "儿媳 儿媳妇 媳妇 女婿",
    Person.Relation.TENANT: "租户 租客 承租人",
    Person.Relation.OTHER: "其他 其它 亲属 其他亲属",
}
_RESIDENCY_LABELS = {
    Person.Residency.RESIDENT: "常住 常住人口 户籍 户籍人口 本地 户籍常住",
    Person.Residency.TENANT: "租户 租住 租房 租赁 租住人口",
    Person.Residency.MIGRANT: "流动人口 外来务工 务工 外来人口 流动",
    Person.Residency.TEMPORARY: "暂住 暂住人口 临时",
    Person.Residency.NON_RESIDENT: "非常住 非常住人口",
}
_TAG_LABELS = {
    PersonTag.Tag.ELDERLY_ALONE: "独居老人 孤寡老人 空巢老人 独居",
    PersonTag.Tag.CHRONIC: "慢性病 慢病 慢性病患者",
    PersonTag.Tag.LOW_INCOME: "低保 低保户 低收入 精准扶贫 精准扶贫对象 困难户",
    PersonTag.Tag.PREGNANT: "孕妇 孕产妇",
    PersonTag.Tag.INFANT: "婴幼儿 婴儿",
    PersonTag.Tag.DISABLED: "残疾 残疾人",
    PersonTag.Tag.BEDRIDDEN: "卧床 长期卧床 失能",
    PersonTag.Tag.STRANDED: "滞留 滞留人员",
}
_SEX_LABELS = {
    Person.Sex.MALE: "男 男性 m",
    Person.Sex.FEMALE: "女 女性 f",
    Person.Sex.UNKNOWN: "未知",
}
_TAG_SPLIT = re.compile(r"[、,;，；\n]")
_TAG_BRACKETED = re.compile(r"^(?P<tag>[^(（]+)[(（](?P<note>.*)[)）]$")
# The tag's label and its details: 慢性病:胰岛素 or 慢性病：胰岛素 (the details are kept as typed).
_TAG_NOTE = re.compile(r"[:：]")


def _label_key(value: str) -> str:
    return compact(value).lower()


@lru_cache(maxsize=8)
def _lookup(kind: str, language: str) -> dict[str, str]:
    """label -> code for one coded field: the Chinese words above, the codes, the English labels and
    the labels of the active language (so a finished zh-hans catalogue adds its words by itself)."""
    tables: dict[str, tuple[type[models.TextChoices], dict[Any, str]]] = {
        "relation": (Person.Relation, _RELATION_LABELS),
        "residency": (Person.Residency, _RESIDENCY_LABELS),
        "tag": (PersonTag.Tag, _TAG_LABELS),
        "sex": (Person.Sex, _SEX_LABELS),
    }
    choices, labels = tables[kind]
    table: dict[str, str] = {}
    for code, label in choices.choices:
        table[_label_key(code)] = code
        table[_label_key(str(label))] = code
        with translation.override("en"):
            table[_label_key(str(label))] = code
    for code, words in labels.items():
        for word in words.split():
            table[_label_key(word)] = code
    return table


def _labels(kind: str) -> dict[str, str]:
    return _lookup(kind, translation.get_language() or "")




# -- cells ------------------------------------------------------------------------------------------

# "1.10101E+17": an ID number that Excel turned into a number and then wrote to CSV.
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?e\+?\d+$", re.IGNORECASE)


def _id_text(cell: Any) -> tuple[str, str | None]:
    """The ID number cell as text, or a reason when the spreadsheet has already destroyed it."""
    if isinstance(cell, str):
        if ("e" in cell or "E" in cell) and _SCIENTIFIC.match(compact(cell)):
            return "", _lost_digits()
        return cell, None
    if isinstance(cell, float | int) and not isinstance(cell, bool):
        if isinstance(cell, float) and not cell.is_integer():
            return cell_text(cell), None
        digits = str(int(cell))
        # Beyond 15 significant digits a spreadsheet number is rounded: the ID is gone.
        return ("", _lost_digits()) if len(digits.lstrip("-")) > 15 else (digits, None)
    return cell_text(cell), None


def _lost_digits() -> str:
    return _(
        "the ID number was stored as a number and has lost its last digits (spreadsheets keep 15); "
        "format the column as text and type the number again"
    )


def _tag_snapshot(tags: dict[str, str]) -> list[str]:
    # The form of person_snapshot()'s "tags" (a test holds the two together): the importer knows the
    # new tags before they are saved, person_snapshot() would read them from the database.
    return sorted(f"{tag}:{note}" for tag, note in tags.items())


PlaceKey = tuple[str, str, str, str]  # compound name, building, unit, room (canonical forms)
# How the part of an address before a compound's name ends when it is a district, street or road.
_ADMINISTRATIVE_ENDINGS = ("省", "市", "区", "县", "旗", "街道", "社区", "镇", "乡", "村", "路", "街", "巷", "号")
Problem = tuple[str, str]  # field, reason


_NOTHING_GIVEN: frozenset[str] = frozenset()


@dataclass(slots=True)
class _Row:
    """A valid row waiting for its batch to be written."""

    number: int
    data: PersonData
    given: frozenset[str]  # the fields whose cells were not empty (worked out for updates only)
    tags: dict[str, str] | None  # None: keep the person's tags
    place: PlaceKey
    person_pk: int | None  # the person it updates, None for a new person



class Checker:
    """The row checks of a run (mixed into the run, which holds the caches and the result)."""

    # What the run (write._RosterImport) sets up, and the matching it mixes in beside this.
    columns: dict[str, int]
    table: RosterTable
    result: ImportResult
    today: dt.date
    compounds: dict[str, int | None]
    _width: int
    _pick: Callable[[list[Any]], tuple[Any, ...]]
    _caches: dict[str, dict[str, Any]]
    _compound_cache: dict[str, str]
    _labels: dict[str, dict[str, str]]

    if TYPE_CHECKING:
        def _check_repeat(self, number: int, data: PersonData, place: PlaceKey) -> Problem | int | None: ...

    def _cells(self, cells: list[Any]) -> tuple[Any, ...]:
        """The row's cells in the order of _FIELDS, "" for a column the file lacks or a short row."""
        # One "" more than the columns read, so that the index -1 of a missing column finds it.
        return self._pick(cells + [""] * (max(self._width - len(cells), 0) + 1))

    def _column(self, name: str) -> str:
        index = self.columns.get(name)
        return self.table.headers[index] if index is not None else ""

    def _reject(self, number: int, cells: list[Any], problems: list[Problem]) -> None:
        values = [cell_text(c) for c in cells]
        order = {f: i for i, f in enumerate(sorted(self.columns, key=self.columns.__getitem__))}
        for name, reason in sorted(problems, key=lambda p: order.get(p[0], -1)):
            self.result.rejected.append(
                RejectedRow(row=number, column=self._column(name), reason=str(reason), values=values)
            )

    def _check(self, number: int, cells: list[Any]) -> _Row | None:
        """Validate one row; a valid row comes back matched to its person, an invalid one is rejected."""
        (name_cell, id_cell, phone, sex, relation, residency, note, tags_cell, *place_cells) = self._cells(cells)
        # Most cells are text already; cell_text() is for the numbers and dates of typed .xlsx cells.
        phone = (phone if phone.__class__ is str else cell_text(phone)).strip()
        sex = (sex if sex.__class__ is str else cell_text(sex)).strip()
        relation = (relation if relation.__class__ is str else cell_text(relation)).strip()
        residency = (residency if residency.__class__ is str else cell_text(residency)).strip()
        note = (note if note.__class__ is str else cell_text(note)).strip()
        problems: list[Problem] = []
        id_number, id_problem = _id_text(id_cell)
        id_number = id_number.strip()
        if id_problem:
            problems.append((ID_NUMBER, id_problem))
        name = normalize_name(name_cell if name_cell.__class__ is str else cell_text(name_cell))
        data: PersonData | None = None
        try:
            data = clean_person_fields(
                name=name,
                id_number=id_number or None,
                phone=phone or None,
                sex=self._code("sex", sex),
                residency=self._code("residency", residency),
                relation=self._code("relation", relation),
                notes=note or None,
                today=self.today,
            )
        except ValidationError as exc:
            for name_, messages in exc.message_dict.items():
                problems.append((NOTE if name_ == "notes" else name_, messages[0]))
        place, place_problems = self._place(*place_cells)
        problems += place_problems
        tags: dict[str, str] | None = None
        tags_text = cell_text(tags_cell).strip()
        if tags_text:
            tags, tag_problem = self._tags(tags_text)
            if tag_problem:
                problems.append((TAGS, tag_problem))
        if problems or data is None or place is None:
            self._reject(number, cells, problems)
            return None
        problem = self._check_repeat(number, data, place)
        if isinstance(problem, tuple):
            self._reject(number, cells, [problem])
            return None
        given = _NOTHING_GIVEN
        if problem is not None:  # only an update asks which cells were empty (_merge)
            given = frozenset(f for f, v in ((ID_NUMBER, id_number), (PHONE, phone), (SEX, sex),
                                             (RELATION, relation), (RESIDENCY, residency), (NOTE, note)) if v)
        return _Row(number=number, data=data, given=given, tags=tags, place=place, person_pk=problem)

    def _code(self, kind: str, raw: str) -> str | None:
        """The code for a label; an unknown label is passed on for clean_person_fields to report."""
        if not raw:
            return None
        return self._labels[kind].get(raw) or self._labels[kind].get(_label_key(raw), normalize(raw))

    def _normalized(self, cell: Any) -> str:
        """normalize() of a cell that repeats down the file (the compound), once per distinct value."""
        if cell.__class__ is not str:  # 1.0 and True are one dict key
            return normalize(cell_text(cell))
        cache = self._caches["normalized"]
        text = cache.get(cell)
        if text is None:
            text = cache[cell] = normalize(cell_text(cell))
        return text

    def _parsed(self, kind: str, raw: str) -> Any:
        cache = self._caches[kind]
        if raw not in cache:
            parse = {"building": parse_building, "unit": parse_unit, "room": parse_room, "address": parse_address}
            cache[raw] = parse[kind](raw)
        return cache[raw]

    def _place(
        self, compound_cell: Any, building_cell: Any, unit_cell: Any, room_cell: Any, address_cell: Any
    ) -> tuple[PlaceKey | None, list[Problem]]:
        """The row's address in canonical form: (compound, building, unit, room)."""
        problems: list[Problem] = []
        compound = self._normalized(compound_cell)
        building_text = cell_text(building_cell).strip()
        address_text = cell_text(address_cell).strip()
        if BUILDING in self.columns and (building_text or ADDRESS not in self.columns):
            where = BUILDING
            unit_text = cell_text(unit_cell).strip()
            room_text = cell_text(room_cell).strip()
            building = self._parsed("building", building_text) if building_text else None
            unit = (self._parsed("unit", unit_text) if unit_text else "1") or None
            room = self._parsed("room", room_text) if room_text else None
            if building is None:
                problems.append((BUILDING, _("the building is empty") if not building_text else
                                 _("%(value)s is not a building number") % {"value": building_text}))
            if unit is None:
                problems.append((UNIT, _("%(value)s is not a unit number") % {"value": unit_text}))
            if room is None:
                problems.append((ROOM, _("the room is empty") if not room_text else
                                 _("%(value)s is not a room number") % {"value": room_text}))
        else:
            where = ADDRESS
            address = self._parsed("address", address_text) if address_text else None
            if address is None:
                reason = (_("the address is empty") if not address_text else
                          _("%(value)s is not an address such as 富通小区9号楼2单元502室 or 富通小区9-2-502")
                          % {"value": address_text})
                return None, [(ADDRESS, reason)]
            building, unit, room = address.building, address.unit or "1", address.room
            compound = address.compound or compound
        if compound:
            compound = self._compound(compound)
        elif len(self.compounds) == 1:
            compound = next(iter(self.compounds))
        else:
            problems.append((COMPOUND if COMPOUND in self.columns else where,
                             _("the compound (小区) is missing: the community has several or none yet")))
        if len(compound) > 100:
            problems.append((COMPOUND if COMPOUND in self.columns else where,
                             _("the compound name is longer than 100 characters")))
        for name, value in ((BUILDING, building), (UNIT, unit), (ROOM, room)):
            if value is not None and len(value) > 16:
                problems.append((name if name in self.columns else where,
                                 _("%(value)s is too long for a number") % {"value": value}))
        if room is not None and floor_of(room) > 32767:
            problems.append((ROOM if ROOM in self.columns else where,
                             _("%(value)s is not a room number") % {"value": room}))
        if problems or building is None or unit is None or room is None:
            return None, problems
        return (compound, building, unit, room), []

    def _compound(self, name: str) -> str:
        """An existing compound's name when ``name`` is it, or is it behind an administrative prefix
        ("江汉区民意街道富通小区" is 富通小区; "新和平里" is not 和平里)."""
        cached = self._compound_cache.get(name)
        if cached is None:
            if name in self.compounds:
                cached = name
            else:
                known = [c for c in self.compounds
                         if name.endswith(c) and name[: -len(c)].rstrip(" ,").endswith(_ADMINISTRATIVE_ENDINGS)]
                cached = max(known, key=len) if known else name
            self._compound_cache[name] = cached
        return cached

    def _tags(self, raw: str) -> tuple[dict[str, str] | None, str | None]:
        """``慢性病:胰岛素 每日两次、独居老人`` -> {"chronic": "胰岛素 每日两次", "elderly_alone": ""}."""
        cache = self._caches["tags"]
        if raw in cache:
            return cache[raw]
        tags: dict[str, str] = {}
        problem: str | None = None
        for part in _TAG_SPLIT.split(clean_text(raw)):
            part = part.strip()
            if not part:
                continue
            label, note = (_TAG_NOTE.split(part, maxsplit=1) + [""])[:2]
            bracketed = _TAG_BRACKETED.match(label) if not note else None
            if bracketed:
                label, note = bracketed["tag"], bracketed["note"]
            code = self._labels["tag"].get(_label_key(label))
            if code is None:
                known = "、".join(str(label) for _code_, label in PersonTag.Tag.choices)
                problem = _("unknown tag: %(value)s (known tags: %(known)s)") % {"value": label.strip(), "known": known}
                break
            tags[code] = note.strip()[:200]
        cache[raw] = (None, problem) if problem else (tags, None)
        return cache[raw]
