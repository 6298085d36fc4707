"""Bag labels as PDF: one label per household order, so that no bag goes to the wrong door.

Each label shows the building-unit-room in large type (as residents write it: 9-2-502), the compound,
the head of household's masked name, the item list, and a QR code of the order ("SQ-ORDER:<id>",
which the courier's phone or a packer can read). Two formats: A4 sheets of 3 x 8 labels (70 x 37 mm,
the common 24-up label sheet) and 60 x 40 mm thermal labels, one per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from shequ.core.pdf import FONT_FAMILY, cjk_font, new_document, pdf_bytes, qr_png, text_line

if TYPE_CHECKING:
    from fpdf import FPDF  # imported where a document is made: fpdf2 takes seconds to import

A4_COLUMNS, A4_ROWS, A4_W, A4_H = 3, 8, 70.0, 37.0
A4_LEFT, A4_TOP = (210.0 - A4_COLUMNS * A4_W) / 2, (297.0 - A4_ROWS * A4_H) / 2
THERMAL_W, THERMAL_H = 60.0, 40.0
FORMATS = ("a4", "thermal")


@dataclass(frozen=True)
class Label:
    order_id: int
    address: str  # 9-2-502
    compound: str
    head: str  # masked: 张*
    items: str  # 面粉5斤、鸡蛋12个
    urgent: bool


def qr_text(order_id: int) -> str:
    return f"SQ-ORDER:{order_id}"


def _label(pdf: FPDF, label: Label, x: float, y: float, w: float, h: float) -> None:
    pad, qr = 2.0, min(h - 10, 22.0)
    pdf.image(qr_png(qr_text(label.order_id), scale=3), x=x + w - qr - pad, y=y + pad, w=qr, h=qr)
    text_w = w - qr - 3 * pad
    text_line(pdf, x + pad, y + pad, text_w, label.address, 20, smallest=5.0, leading=1.2)
    text_line(pdf, x + pad, y + pad + 10, text_w, label.compound, 8, smallest=5.0, leading=1.2)
    head = f"{label.head}  #{label.order_id}" + (f"  {_('urgent')}" if label.urgent else "")
    text_line(pdf, x + pad, y + pad + 15, text_w, head, 8, smallest=5.0, leading=1.2)
    pdf.set_font_size(7)
    pdf.set_xy(x + pad, y + qr + pad + 1)
    items = label.items
    while items and pdf.get_string_width(items) > 2 * (w - 2 * pad) - 4:
        items = items[:-2] + "…"
    pdf.multi_cell(w - 2 * pad, 3.2, items, max_line_height=3.2)


def labels_pdf(labels: list[Label], *, fmt: str = "a4", title: str = "") -> bytes:
    """The labels in the order given; no labels: one page that says so."""
    if fmt == "thermal":
        path, index = cjk_font()
        from fpdf import FPDF

        pdf = FPDF(orientation="L", unit="mm", format=(THERMAL_H, THERMAL_W))
        pdf.set_title(title)
        pdf.add_font(FONT_FAMILY, fname=path, collection_font_number=index)
        pdf.set_font(FONT_FAMILY, size=9)
    else:
        pdf = new_document(title=title)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    if not labels:
        pdf.add_page()
        pdf.set_xy(5, 10)
        pdf.cell(0, 8, _("No orders to label."))
        return pdf_bytes(pdf)
    if fmt == "thermal":
        for label in labels:
            pdf.add_page()
            _label(pdf, label, 0, 0, THERMAL_W, THERMAL_H)
        return pdf_bytes(pdf)
    per_page = A4_COLUMNS * A4_ROWS
    for start in range(0, len(labels), per_page):
        pdf.add_page()
        for i, label in enumerate(labels[start:start + per_page]):
            row, column = divmod(i, A4_COLUMNS)
            _label(pdf, label, A4_LEFT + column * A4_W, A4_TOP + row * A4_H, A4_W, A4_H)
    return pdf_bytes(pdf)
