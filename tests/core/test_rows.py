"""core/rows.py reads exactly what the ORM would (its writing twin, core/bulkwrite.py, is tested in
test_bulkwrite.py)."""

from __future__ import annotations

import pytest

from shequ.core.rows import ChainReader
from shequ.gates.models import Gate
from shequ.registry.models import Community, Compound, Street

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_chain_reader_loads_what_select_related_loads() -> None:
    street = Street.objects.create(code="rows", name="读取测试街道")
    community = Community.objects.create(street=street, code="rows", name="读取社区")
    compound = Compound.objects.create(community=community, name="测试小区", kind=Compound.Kind.OPEN)
    made = [Gate.objects.create(community=community, compound=compound, name=name, status=status, note=note)
            for name, status, note in (("东门", "open", ""), ("西门", "closed", "夜间关闭"))]
    reader = ChainReader([(Gate, None, None), (Compound, "compound_id", "compound")], "t0.id = %s")
    for gate in Gate.objects.select_related("compound").filter(pk__in=[g.pk for g in made]):
        found = reader.first([gate.pk])
        for a, b in ((found, gate), (found.compound, gate.compound)):
            assert {f.attname: getattr(a, f.attname) for f in type(a)._meta.concrete_fields} == {
                f.attname: getattr(b, f.attname) for f in type(b)._meta.concrete_fields}
    assert reader.first([0]) is None


def test_chain_reader_all_loads_what_the_queryset_loads() -> None:
    street = Street.objects.create(code="rows-all", name="读取测试街道")
    community = Community.objects.create(street=street, code="rows-all", name="读取社区")
    compound = Compound.objects.create(community=community, name="测试小区", kind=Compound.Kind.OPEN)
    for name, status in (("东门", "open"), ("西门", "closed"), ("北门", "open")):
        Gate.objects.create(community=community, compound=compound, name=name, status=status)
    reader = ChainReader([(Gate, None, None)], "t0.community_id = %s AND t0.status = %s ORDER BY t0.id")
    found = reader.all([community.pk, "open"])
    expected = list(Gate.objects.filter(community=community, status="open").order_by("id"))
    assert [{f.attname: getattr(g, f.attname) for f in Gate._meta.concrete_fields} for g in found] == [
        {f.attname: getattr(g, f.attname) for f in Gate._meta.concrete_fields} for g in expected]
    assert len(found) == 2 and reader.all([community.pk, "gone"]) == []
