"""core/rows.py reads and writes exactly what the ORM would."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.core.rows import ChainReader, RowInserter
from shequ.gates.models import Gate, Passage

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def _stored(pk: int) -> dict:
    return Passage.objects.filter(pk=pk).values().get()


def test_row_inserter_stores_the_same_row_as_save() -> None:
    gate = Gate.objects.select_related("compound").first()
    assert gate is not None
    at = timezone.now()

    def passage() -> Passage:
        return Passage(community_id=gate.community_id, gate=gate, client_id=uuid.uuid4(), recorded_at=at,
                       direction="out", temperature=Decimal("37.4"), health_code="yellow", mask=False,
                       decision="deny", reasons=["fever", "code_yellow"], offline=True, offline_decision="allow")

    by_orm, by_inserter = passage(), passage()
    by_orm.save()
    RowInserter(Passage).insert(by_inserter)
    assert by_inserter.pk and by_inserter.pk != by_orm.pk and not by_inserter._state.adding
    a, b = _stored(by_orm.pk), _stored(by_inserter.pk)
    for column in ("id", "client_id", "received_at"):
        a.pop(column), b.pop(column)
    assert a == b
    assert _stored(by_inserter.pk)["client_id"] == by_inserter.client_id
    assert by_inserter.received_at is not None  # auto_now_add ran through the field's pre_save


def test_chain_reader_loads_what_select_related_loads() -> None:
    reader = ChainReader([(Gate, None, None), (Gate._meta.get_field("compound").related_model, "compound_id",
                                                "compound")], "t0.id = %s")
    for gate in Gate.objects.select_related("compound"):
        found = reader.first([gate.pk])
        for a, b in ((found, gate), (found.compound, gate.compound)):
            assert {f.attname: getattr(a, f.attname) for f in type(a)._meta.concrete_fields} == {
                f.attname: getattr(b, f.attname) for f in type(b)._meta.concrete_fields}
    assert reader.first([0]) is None
