"""Lists from above: the street's or the CDC's Excel list of close contacts or arrivals (name, ID
number, phone, address text, last exposure), matched to the registry and recorded in the register.

The file is read by the roster importer's reader (``registry.importer.read``: the same header
names, encodings and limits). Each row is matched by ID number first, then by name and address
(compound, building, unit, room, as ``core.address`` reads them). A row with an invalid field is
*rejected* (the column and the reason); a valid row that matches nobody or several persons is
*unmatched* (with the number of candidates), for staff to resolve; a matched row records the status
through ``services.entry_record`` unless the person's current status is already that one from a
list with the same last exposure, so a second import of the same list records nothing new.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.address import parse_address
from shequ.core.idnumber import IDNumberError, parse_id_number
from shequ.core.text import normalize
from shequ.health import services
from shequ.health.models import HealthEntry, Source, Status
from shequ.registry.importer.read import (
    ADDRESS,
    ID_NUMBER,
    NAME,
    RosterFileError,
    _header_key,
    cell_text,
    command_limits,
    read_roster,
)
from shequ.registry.models import Community, Person

# Kinds of list (``--kind``) and the status each records.
KINDS = {"close_contact": Status.CLOSE_CONTACT, "secondary_contact": Status.SECONDARY_CONTACT,
         "risk_arrival": Status.RISK_ARRIVAL}
EXPOSURE_HEADERS = ("末次暴露", "末次暴露时间", "末次接触", "末次接触时间", "最后接触时间", "最后接触日期", "暴露日期",
                    "抵达日期", "lastexposure", "exposure")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%m/%d/%Y")

__all__ = ["KINDS", "HealthListResult", "RosterFileError", "import_health_list"]


@dataclass
class HealthListResult:
    rows: int = 0
    matched: int = 0
    recorded: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    # The name and address text of each unmatched row (by row number), for the upload page to offer
    # a search; not part of --json.
    unmatched_cells: dict[int, dict[str, str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "matched": self.matched, "unmatched": self.unmatched, "rejected": self.rejected}


def _date(cell: Any) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = normalize(cell_text(cell))
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(text)


def _candidates(community: Community, name: str, address: str) -> list[int]:
    found = parse_address(address)
    if found is None or not name:
        return []
    qs = Person.objects.filter(community=community, name=name, status=Person.Status.ACTIVE,
                               household__room__unit__building__number=found.building,
                               household__room__number=found.room)
    if found.unit:
        qs = qs.filter(household__room__unit__number=found.unit)
    if found.compound:
        qs = qs.filter(household__room__unit__building__compound__name__contains=found.compound)
    return list(qs.values_list("pk", flat=True)[:10])


def import_health_list(*, community: Community, path_or_file: str | os.PathLike[str] | IO[bytes] | bytes,
                       kind: str, filename: str | None = None, actor: Any = None, dry_run: bool = False,
                       today: dt.date | None = None, request: Any = None) -> HealthListResult:
    """Read, match and (unless ``dry_run``) record a list. Raises RosterFileError when the file
    cannot be read; row problems are in the result."""
    status = KINDS[kind]
    table = read_roster(path_or_file, filename, command_limits())
    if NAME not in table.columns:
        raise RosterFileError(_("the file has no column 姓名 / name"))
    exposure_col = next((i for i, h in enumerate(table.headers) if _header_key(h) in EXPOSURE_HEADERS), None)
    result = HealthListResult(dry_run=dry_run)
    seen: dict[int, int] = {}
    with transaction.atomic():
        for number, cells in table.rows:
            result.rows += 1

            def cell(key: str, cells: list[Any] = cells) -> Any:
                index = table.columns.get(key)
                return cells[index] if index is not None and index < len(cells) else None

            name = normalize(cell_text(cell(NAME)))
            raw_id = normalize(cell_text(cell(ID_NUMBER)))
            address = normalize(cell_text(cell(ADDRESS)))
            if not name:
                result.rejected.append({"row": number, "column": table.headers[table.columns[NAME]],
                                        "reason": _("the name is empty")})
                continue
            id_number = None
            if raw_id:
                try:
                    id_number = parse_id_number(raw_id, today=today).number
                except IDNumberError as exc:
                    result.rejected.append({"row": number, "column": table.headers[table.columns[ID_NUMBER]],
                                            "reason": str(exc)})
                    continue
            exposure = None
            if exposure_col is not None and exposure_col < len(cells):
                try:
                    exposure = _date(cells[exposure_col])
                except ValueError as exc:
                    result.rejected.append({"row": number, "column": table.headers[exposure_col], "reason": _(
                        "%(value)s is not a date such as 2022-04-01") % {"value": exc}})
                    continue
                if exposure is not None and today is not None and exposure > today:
                    result.rejected.append({"row": number, "column": table.headers[exposure_col],
                                            "reason": _("The date is in the future.")})
                    continue
            found = list(Person.objects.filter(community=community, id_number=id_number,
                                               status=Person.Status.ACTIVE).values_list("pk", flat=True)) \
                if id_number else []
            if not found:
                found = _candidates(community, name, address)
            if len(found) != 1:
                reason = (_("matches nobody in the registry (ID number, then name and address)") if not found else
                          _("matches %(n)s persons: choose one") % {"n": len(found)})
                result.unmatched.append({"row": number, "reason": reason})
                result.unmatched_cells[number] = {"name": name, "address": address}
                continue
            person_id = found[0]
            if person_id in seen:
                result.rejected.append({"row": number, "column": table.headers[table.columns[NAME]], "reason": _(
                    "this row names the same person as row %(row)d") % {"row": seen[person_id]}})
                continue
            seen[person_id] = number
            result.matched += 1
            current = HealthEntry.objects.filter(person_id=person_id, current=True).first()
            if current is not None and current.status == status and current.source == Source.LIST and (
                    current.last_exposure_on == exposure):
                continue  # the same list again
            if not dry_run:
                services.entry_record(actor=actor, person=Person.objects.get(pk=person_id), status=status,
                                      source=Source.LIST, last_exposure_on=exposure,
                                      note=_("list %(file)s, row %(row)d") % {"file": table.filename, "row": number},
                                      request=request)
                result.recorded += 1
        if dry_run:
            transaction.set_rollback(True)
    return result
