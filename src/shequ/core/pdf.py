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
from typing import TYPE_CHECKING

import segno
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from fpdf import FPDF  # imported where a document is made: fpdf2 takes seconds to import

FONT_FAMILY = "cjk"
# (file, index in a collection) of fonts with Chinese glyphs, by where operating systems put them.
# Index 2 of Noto Sans CJK's collection is its Simplified Chinese face.
_CANDIDATES: list[tuple[str, int]] = [
    # Debian and Ubuntu (fonts-noto-cjk, fonts-wqy-microhei, fonts-arphic-uming)
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    # Fedora and RHEL (google-noto-sans-cjk-fonts)
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    # macOS
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("/System/Library/Fonts/STHeiti Medium.ttc", 0),
    ("/System/Library/Fonts/Hiragino Sans GB.ttc", 0),
]
# Windows: Microsoft YaHei, SimSun, SimHei, in the Fonts folder of %WINDIR%.
_WINDOWS_FONTS = [("msyh.ttc", 0), ("simsun.ttc", 0), ("simhei.ttf", 0)]

INSTALL_HINT = (
    "install a Chinese font (Debian/Ubuntu: apt-get install fonts-noto-cjk; Fedora: dnf install "
    "google-noto-sans-cjk-fonts; Windows and macOS have one) or set SHEQU_PDF_FONT to a .ttf, .otf or .ttc file"
)


class FontMissing(RuntimeError):
    pass


def _candidates() -> list[tuple[str, int]]:
    found = list(_CANDIDATES)
    windir = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT")
    for root in ([windir] if windir else []) + ["C:\\Windows"]:
        found += [(str(Path(root) / "Fonts" / name), index) for name, index in _WINDOWS_FONTS]
    return found


def _fontconfig_font() -> tuple[str, int] | None:
    """A font fontconfig knows to cover Simplified Chinese. ``fc-list :lang=zh-cn`` lists only fonts
    that do (``fc-match`` always answers with something, a Latin font on a machine without any)."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    listing = subprocess.run([fc_list, ":lang=zh-cn", "-f", "%{file}\t%{index}\t%{style}\t%{family}\n"],  # noqa: S603
                             capture_output=True, text=True, check=False).stdout
    rows = []
    for line in listing.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] and Path(parts[0]).is_file() and parts[1].isdigit():
            rows.append((parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", "\t".join(parts[3:])))
    if not rows:
        return None
    # Prefer a regular face, then a Simplified Chinese one (a collection's "SC" face, "GB" fonts),
    # then a stable order.
    rows.sort(key=lambda r: ("Regular" not in r[2], not any(t in r[3] + Path(r[0]).name for t in (" SC", "SC,", "GB")),
                             r[0], r[1]))
    return rows[0][0], rows[0][1]


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int]:
    """(path, collection index) of a font with Chinese glyphs: ``SHEQU_PDF_FONT``, else a known
    location of this operating system, else what fontconfig finds."""
    configured = os.environ.get("SHEQU_PDF_FONT")
    if configured:
        if not Path(configured).is_file():
            raise FontMissing(_("SHEQU_PDF_FONT names %(path)s, which does not exist.") % {"path": configured})
        return configured, int(os.environ.get("SHEQU_PDF_FONT_INDEX", "0"))
    for path, index in _candidates():
        if Path(path).is_file():
            return path, index
    found = _fontconfig_font()
    if found:
        return found
    raise FontMissing(_("No Chinese font found for PDFs: install fonts-noto-cjk or set SHEQU_PDF_FONT."))


def font_problem() -> str | None:
    """Why PDFs cannot be printed on this machine, or None when they can (for ``shequ demo``)."""
    try:
        cjk_font()
    except FontMissing as missing:
        return str(missing)
    return None


def new_document(*, orientation: str = "P", title: str = "") -> FPDF:
    """An A4 document with the CJK font registered as ``FONT_FAMILY`` and selected."""
    path, index = cjk_font()
    from fpdf import FPDF

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


def fit_text(pdf: FPDF, text: str, width: float, size: float, smallest: float = 6.0) -> str:
    """Shrink the font until ``text`` fits ``width``; cut it with an ellipsis if even the smallest
    size is too wide (a long compound name must not run into the next card or label)."""
    while size > smallest:
        pdf.set_font_size(size)
        if pdf.get_string_width(text) <= width:
            return text
        size -= 0.5
    pdf.set_font_size(smallest)
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def text_line(pdf: FPDF, x: float, y: float, width: float, text: str, size: float, *,
              smallest: float = 6.0, leading: float = 1.25) -> None:
    """One line of text at (x, y), fitted to ``width`` (fit_text)."""
    fitted = fit_text(pdf, text, width, size, smallest)
    pdf.set_xy(x, y)
    pdf.cell(width, pdf.font_size * leading, fitted)

