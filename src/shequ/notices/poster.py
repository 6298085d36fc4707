"""A notice as a printable A4 poster (PDF, the notice's own language: what staff wrote).

The title in large type, centred; the text at a size that fits one page (from 18 pt down to 11 pt;
longer texts flow onto a second page rather than shrink further, since a poster read at a lift door
must stay legible); the places it is for, the signature and the date at the foot.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from shequ.core.pdf import new_document, pdf_bytes

if TYPE_CHECKING:
    from fpdf import FPDF  # imported where a document is made: fpdf2 takes seconds to import

MARGIN, WIDTH = 20.0, 170.0
SIZES = (18, 16, 14, 12, 11)


def _body_height(pdf: FPDF, body: str, size: float) -> float:
    pdf.set_font_size(size)
    lines = pdf.multi_cell(WIDTH, size * 0.55, body, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return float(len(lines) * size * 0.55)


def poster_pdf(*, title: str, body: str, places: list[str], signed: str, day: dt.date) -> bytes:
    pdf = new_document(title=title)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    size = 30  # shrink a long title to 22 pt, then let it wrap: never cut
    pdf.set_font_size(size)
    while size > 22 and pdf.get_string_width(title) > WIDTH:
        size -= 1
        pdf.set_font_size(size)
    pdf.set_xy(MARGIN, 26)
    pdf.multi_cell(WIDTH, size * 0.5, title, align="C")
    pdf.set_font_size(11)
    pdf.set_xy(MARGIN, pdf.get_y() + 4)
    pdf.multi_cell(WIDTH, 6, _("For: %(places)s") % {"places": "、".join(places)}, align="C")
    room = 297 - pdf.get_y() - 60
    size = next((s for s in SIZES if _body_height(pdf, body, s) <= room), SIZES[-1])
    pdf.set_font_size(size)
    pdf.set_xy(MARGIN, pdf.get_y() + 8)
    pdf.multi_cell(WIDTH, size * 0.55, body)
    pdf.set_font_size(14)
    pdf.set_xy(MARGIN, max(pdf.get_y() + 12, 297 - 50))
    for line in (signed, day.strftime("%Y-%m-%d")):
        if line:
            pdf.cell(WIDTH, 8, line, align="R", new_x="LMARGIN", new_y="NEXT")
    return pdf_bytes(pdf)
