"""The missing list's exports (.xlsx and the printable PDF): phones masked for a grid worker, full for
the secretary (export.unmasked), mobiles and landlines alike; every export audited."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from shequ.core.masking import mask_phone
from shequ.registry.models import Person

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

MOBILE, LANDLINE = "13912340001", "02787654321"


def pdf_text(content: bytes) -> str:
    """Every page's text with the spaces and breaks the extraction puts between glyphs removed."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", "", text.replace("\x00", ""))


def xlsx_text(content: bytes) -> str:
    return "\n".join(" ".join("" if v is None else str(v) for v in row)
                     for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


@pytest.fixture
def phones(test_round: Any, building9: Any) -> list[Person]:
    """Two persons of building 9 (grid 1) not reached yet, one with a mobile and one with a landline."""
    persons = list(Person.objects.filter(household__room__unit__building=building9, status="active")
                   .order_by("id")[:2])
    for person, phone in zip(persons, (MOBILE, LANDLINE), strict=True):
        Person.objects.filter(pk=person.pk).update(phone=phone)
        person.phone = phone
    return persons


@pytest.mark.parametrize("kind", ["pdf", "xlsx"])
def test_a_grid_worker_gets_masked_phones(kind: str, login: Any, test_round: Any, building9: Any,
                                          phones: list[Person], audit_log: Any, request: pytest.FixtureRequest) -> None:
    if kind == "pdf":
        request.getfixturevalue("cjk_font")
    response = login("grid1").get(reverse("campaigns:missing", args=[test_round.pk]),
                                  {"format": kind, "building": building9.pk})
    assert response.status_code == 200
    text = pdf_text(response.content) if kind == "pdf" else xlsx_text(response.content)
    for person in phones:
        assert person.name in text
        assert mask_phone(person.phone) in text
        assert person.phone not in text
    [event] = audit_log(action="export")
    assert event.actor_username == "grid1" and f"missing list {kind}" in event.summary and "masked" in event.summary


@pytest.mark.parametrize("kind", ["pdf", "xlsx"])
def test_the_secretary_gets_full_phones(kind: str, login: Any, test_round: Any, building9: Any,
                                        phones: list[Person], audit_log: Any, request: pytest.FixtureRequest) -> None:
    if kind == "pdf":
        request.getfixturevalue("cjk_font")
    response = login("secretary").get(reverse("campaigns:missing", args=[test_round.pk]),
                                      {"format": kind, "building": building9.pk})
    text = pdf_text(response.content) if kind == "pdf" else xlsx_text(response.content)
    assert MOBILE in text and LANDLINE in text
    [event] = audit_log(action="export")
    assert "unmasked" in event.summary
