"""Chinese PDFs: text survives a round trip; without a font the page says what to install."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from shequ.core import pdf


def test_chinese_text_is_embedded_and_readable(cjk_font: None) -> None:
    document = pdf.new_document(title="t")
    document.add_page()
    document.cell(text="富通小区 9号楼2单元502 刘志强")
    # pypdf hands the CID text back with NULs between characters; what matters is the characters.
    text = PdfReader(io.BytesIO(pdf.pdf_bytes(document))).pages[0].extract_text().replace("\x00", "").replace(" ", "")
    assert "富通小区9号楼2单元502刘志强" in text


@pytest.mark.django_db
def test_missing_font_is_a_clear_503_not_a_server_error(login: Any, anchor_household: Any,
                                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("SHEQU_PDF_FONT", str(tmp_path / "nowhere.ttf"))
    pdf.cjk_font.cache_clear()
    try:
        response = login("staff").get(reverse("gates:pass_cards_household", args=[anchor_household.pk]))
    finally:
        pdf.cjk_font.cache_clear()
    assert response.status_code == 503
    assert "nowhere.ttf" in response.content.decode()
