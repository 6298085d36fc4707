"""Printable PDFs with Chinese text (fpdf2, embedding a subset of a CJK font) and QR codes (segno).

fpdf2 writes PDFs in pure Python and embeds only the glyphs used, so a page of names stays small;
segno makes QR codes without Pillow. The font is Noto Sans CJK (Debian package fonts-noto-cjk) or
whatever ``SHEQU_PDF_FONT`` names (a .ttf, .otf or .ttc file); without one, PDFs refuse with a
message saying what to install rather than printing empty boxes.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import segno
from django.utils.translation import gettext as _
from fpdf import FPDF

FONT_FAMILY = "cjk"
_CANDIDATES = [
    # (file, index in a collection: 2 is the Simplified Chinese face of Noto Sans CJK)
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int]:
    """(path, collection index) of a font with Chinese glyphs."""
    configured = os.environ.get("SHEQU_PDF_FONT")
    if configured:
        if not Path(configured).is_file():
            raise FontMissing(_("SHEQU_PDF_FONT names %(path)s, which does not exist.") % {"path": configured})
        return configured, int(os.environ.get("SHEQU_PDF_FONT_INDEX", "0"))
    for path, index in _CANDIDATES:
        if Path(path).is_file():
            return path, index
    fc_match = shutil.which("fc-match")
    if fc_match:
        found = subprocess.run([fc_match, "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True,  # noqa: S603
                               check=False).stdout.strip()
        if found and Path(found).is_file():
            return found, 0
    raise FontMissing(_("No Chinese font found for PDFs: install fonts-noto-cjk or set SHEQU_PDF_FONT."))


def new_document(*, orientation: str = "P", title: str = "") -> FPDF:
    """An A4 document with the CJK font registered as ``FONT_FAMILY`` and selected."""
    path, index = cjk_font()
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Shequ")
    pdf.add_font(FONT_FAMILY, fname=path, collection_font_number=index)
    pdf.set_font(FONT_FAMILY, size=11)
    pdf.set_auto_page_break(auto=True, margin=12)
    return pdf


def qr_png(data: str, *, scale: int = 4) -> io.BytesIO:
    """A QR code as PNG bytes, for ``pdf.image(...)``. Error correction M survives a worn card."""
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return buffer


def qr_svg(data: str, *, scale: int = 4) -> str:
    """A QR code as inline SVG markup, for pages (no image request, no JavaScript)."""
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="svg", scale=scale, border=2, xmldecl=False,
                                                  svgns=True, nl=False)
    return buffer.getvalue().decode()


def pdf_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
