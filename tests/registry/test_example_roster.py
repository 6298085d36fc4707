"""The example roster the README points a new community at (docs/examples/roster.csv) imports
whole: every row valid, households formed as written, tags and notes kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_files import make_community

from shequ.registry.importer import import_roster
from shequ.registry.models import Household, Person, PersonTag

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "roster.csv"


def test_the_example_roster_imports_every_row() -> None:
    community = make_community("example")
    result = import_roster(community=community, path_or_file=EXAMPLE, actor=None)
    assert [(r.row, r.column, r.reason) for r in result.rejected] == []
    assert (result.rows, result.created) == (10, 10)
    persons = Person.objects.filter(community=community)
    assert Household.objects.filter(community=community).count() == 5
    elder = persons.get(name="赵桂兰")
    assert list(PersonTag.objects.filter(person=elder).values_list("tag", flat=True)) == [
        PersonTag.Tag.ELDERLY_ALONE]
    insulin = PersonTag.objects.get(person__name="李秀英", person__community=community)
    assert (insulin.tag, insulin.note) == (PersonTag.Tag.CHRONIC, "胰岛素 每日两次")
    assert persons.get(name="陈师傅").residency == Person.Residency.MIGRANT
