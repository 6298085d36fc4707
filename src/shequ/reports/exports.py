"""The street's sheet of a day as Excel (one row per community, the figures as columns, a totals
row) and as PDF (core/pdf.py, Chinese; fpdf2 imported only when a PDF is made)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.core import excel
from shequ.reports.figures import FIGURES
from shequ.reports.selectors import Sheet


def state_label(state: str) -> str:
    return {"submitted": pgettext("report state", "submitted"), "late": pgettext("report state", "late"),
            "missing": pgettext("report state", "missing")}[state]


def headers() -> list[str]:
    return [_("community"), _("state"), _("submitted"), _("remarks")] + [str(f.label) for f in FIGURES]


def rows(sheet: Sheet) -> list[list[object]]:
    out: list[list[object]] = []
    for r in sheet.rows:
        report = r.report if r.report is not None and r.report.submitted else None
        state = state_label(r.state) + (" · " + _("nothing to report") if report and report.zero else "")
        out.append([r.community.name, state,
                     f"{report.submitted_at:%Y-%m-%d %H:%M}" if report and report.submitted_at else "",
                     report.remarks if report else ""] + [r.value(f.key) for f in FIGURES])
    out.append([_("total"), _("%(n)s of %(total)s reported") % {
        "n": len(sheet.rows) - sheet.count("missing"), "total": len(sheet.rows)}, "", ""]
        + [sheet.totals[f.key] for f in FIGURES])
    return out


def sheet_xlsx(sheet: Sheet) -> bytes:
    return excel.write_xlsx(headers(), rows(sheet), title=f"{sheet.day:%Y-%m-%d}")


def sheet_pdf(sheet: Sheet, *, title: str) -> bytes:
    """Landscape A4: the figures as rows and the communities as columns, so that 30 figures fit."""
    from shequ.core import pdf as pdfs

    document = pdfs.new_document(orientation="L", title=title)
    table = rows(sheet)
    names = [str(r[0]) for r in table]
    per_page = 8
    for start in range(0, len(names), per_page):
        document.add_page()
        document.set_font_size(13)
        document.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        document.set_font_size(7)
        columns = list(range(start, min(start + per_page, len(names))))
        label_w, col_w = 70.0, (277 - 70.0) / per_page
        lines = [(_("community"), names), (_("state"), [str(r[1]) for r in table])] + [
            (str(f.label), ["" if r[4 + i] is None else str(r[4 + i]) for r in table])
            for i, f in enumerate(FIGURES)]
        for label, values in lines:
            document.cell(label_w, 5, pdfs.fit_text(document, label, label_w - 1, 7), border=1)
            for c in columns:
                document.cell(col_w, 5, pdfs.fit_text(document, values[c], col_w - 1, 7), border=1, align="R")
            document.ln(5)
            document.set_font_size(7)
    return pdfs.pdf_bytes(document)
