"""The health list import (issue 12.2): messy rows matched by ID number, then name and address;
invalid fields rejected with the column, unmatched rows with the reason; a second import of the same
list records nothing new; --dry-run stores nothing; --json and the exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shequ.health.models import HealthEntry
from shequ.registry.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def messy_list(tmp_path: Path, anchor_household: Any) -> Path:
    with_id = Person.objects.filter(household=anchor_household, status="active").exclude(id_number=None) \
        .order_by("id").first()
    without = (Person.objects.filter(household=anchor_household, status="active").exclude(pk=with_id.pk)
               .order_by("id").first())
    room = anchor_household.room
    address = f"{room.unit.building.compound.name}{room.unit.building.number}栋{room.unit.number}单元{room.number}室"
    rows = [
        "姓名,身份证号,联系电话,住址,末次暴露时间",
        f"{with_id.name},{with_id.id_number.lower()},,随便写的地址,2022/03/01",     # 2: by ID number
        f" {without.name} ,,,{address},2022-03-01",                                 # 3: by name + address
        "查无此人,,,富通小区 99-9-909,2022-03-01",                                    # 4: nobody
        "坏号码,420102199001011234,,,2022-03-01",                                    # 5: bad checksum
        f"{without.name},,,{address},三月一号",                                       # 6: bad date
        f"{with_id.name},{with_id.id_number},,,2022-03-01",                          # 7: the same person again
    ]
    path = tmp_path / "密接名单.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def run(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    try:
        call_command("import_health_list", str(path), "--community", "futong", "--kind", "close_contact", "--json",
                     *extra, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def test_messy_rows_are_matched_rejected_or_left_for_staff(messy_list: Path, clock: Any) -> None:
    clock.set_local(2022, 3, 2, 9, 0)
    code, found = run(messy_list)
    assert code == 1
    assert (found["rows"], found["matched"]) == (6, 2)
    assert [u["row"] for u in found["unmatched"]] == [4]
    assert "nobody" in found["unmatched"][0]["reason"] or "无" in found["unmatched"][0]["reason"]
    assert [(r["row"], r["column"]) for r in found["rejected"]] == [(5, "身份证号"), (6, "末次暴露时间"), (7, "姓名")]
    assert HealthEntry.objects.filter(status="close_contact", source="list").count() == 2
    # The same list again records nothing new.
    again_code, again = run(messy_list)
    assert again_code == 1 and again["matched"] == 2
    assert HealthEntry.objects.filter(status="close_contact", source="list").count() == 2


def test_a_dry_run_stores_nothing(messy_list: Path, clock: Any) -> None:
    clock.set_local(2022, 3, 2, 9, 0)
    code, found = run(messy_list, "--dry-run")
    assert code == 1 and found["matched"] == 2
    assert not HealthEntry.objects.exists()


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "list.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError) as caught:
        call_command("import_health_list", str(path), "--community", "futong", "--kind", "close_contact")
    assert caught.value.returncode == 2  # the exit status of `shequ import-health-list`
