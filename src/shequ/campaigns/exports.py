"""The campaigns' lists as spreadsheets: the missing list as .xlsx and as a printable PDF per
building, and the re-test list as .xlsx, in Chinese, for the teams in the field. Phone numbers are
full for secretary and staff (``export.unmasked``), masked for everyone else, as the one export
service (audit/exports.py) decides; it writes each export's audit event (list, rows, masked or not,
filters). Spreadsheets go out through ``_xlsx``."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.audit.exports import Masking, export_masking, export_record
from shequ.campaigns.models import Campaign, Retest, Target
from shequ.core.excel import XLSX_CONTENT_TYPE, write_xlsx
from shequ.core.http import ScopedRequest
from shequ.core.pdf import new_document, pdf_bytes

# The door-to-door team's sheets are in Chinese whatever the exporter's interface language.
EXPORT_LANGUAGE = "zh-hans"
HEADERS = [gettext_noop("compound"), gettext_noop("building"), gettext_noop("unit"), gettext_noop("room"),
           gettext_noop("floor"), gettext_noop("name"), gettext_noop("phone"), gettext_noop("grid"),
           gettext_noop("added while running"), gettext_noop("done")]


def masking_for(request: ScopedRequest, campaign: Campaign) -> Masking:
    return export_masking(request.scope, [campaign.community_id], request=request)


def _rows(qs: Any, masking: Masking) -> Any:
    for t in qs.select_related("grid").iterator(chunk_size=2000):
        room = t.household.room
        yield [room.unit.building.compound.name, room.unit.building.number, room.unit.number, room.number,
               room.floor, t.person.name, masking.phone(t.person.phone),
               t.grid.name if t.grid else "", _("yes") if t.added_mid_round else "", ""]


def _audit(request: HttpRequest, campaign: Campaign, what: str, count: int, masking: Masking,
           filters: dict[str, Any]) -> None:
    shown = {k: v for k, v in filters.items() if v}
    export_record(actor=request.user, community=campaign.community, obj=campaign, what=what, count=count,
                  masking=masking, query=shown, request=request)


def _xlsx(content: bytes, name: str, campaign: Campaign) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{campaign.pk}-{stamp}.xlsx"'
    return response


def missing_xlsx(request: ScopedRequest, campaign: Campaign, qs: Any, filters: dict[str, Any]) -> HttpResponse:
    masking = masking_for(request, campaign)
    with translation.override(EXPORT_LANGUAGE):
        rows = list(_rows(qs, masking))
        content = write_xlsx([_(h) for h in HEADERS], rows, title=_("missing"))
    _audit(request, campaign, "campaign missing list xlsx", len(rows), masking, filters)
    return _xlsx(content, "missing", campaign)


RETEST_HEADERS = [gettext_noop("tube code"), gettext_noop("tube result"), gettext_noop("compound"),
                  gettext_noop("building"), gettext_noop("unit"), gettext_noop("room"), gettext_noop("name"),
                  gettext_noop("phone"), gettext_noop("grid"), gettext_noop("status"), gettext_noop("re-test tube")]


def retests_xlsx(request: ScopedRequest, campaign: Campaign, retests: list[Retest]) -> HttpResponse:
    """The re-test list as the page shows it to this user (their scope), one row per person."""
    masking = masking_for(request, campaign)
    with translation.override(EXPORT_LANGUAGE):
        rows = []
        for r in retests:
            room = r.person.household.room
            building = room.unit.building
            rows.append([r.source_tube.code, r.source_tube.get_result_display(), building.compound.name,
                         building.number, room.unit.number, room.number, r.person.name,
                         masking.phone(r.person.phone),
                         building.grid.name if building.grid else "", r.get_status_display(),
                         r.resolved_tube.code if r.resolved_tube else ""])
        content = write_xlsx([_(h) for h in RETEST_HEADERS], rows, title=_("re-test list"))
    _audit(request, campaign, "campaign re-test list xlsx", len(rows), masking, {})
    return _xlsx(content, "retests", campaign)


def missing_pdf(request: ScopedRequest, campaign: Campaign, qs: Any, filters: dict[str, Any]) -> HttpResponse:
    """The PDF at once (the page's link); a large round's is made in the background from the same
    function (campaigns/jobs.py)."""
    masking = masking_for(request, campaign)
    content, count = missing_pdf_content(campaign, qs, masking)
    missing_pdf_audit(actor=request.user, campaign=campaign, count=count, masking=masking, filters=filters,
                      request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{missing_pdf_name(campaign)}"'
    return response


def missing_pdf_name(campaign: Campaign) -> str:
    return f"missing-{campaign.pk}.pdf"


def missing_pdf_audit(*, actor: Any, campaign: Campaign, count: int, masking: Masking, filters: dict[str, Any],
                      request: Any) -> None:
    shown = {k: v for k, v in filters.items() if v}
    export_record(actor=actor, community=campaign.community, obj=campaign, what="campaign missing list pdf",
                  count=count, masking=masking, query=shown, request=request)


def missing_pdf_content(campaign: Campaign, qs: Any, masking: Masking,
                        progress: Callable[[int, int], None] | None = None) -> tuple[bytes, int]:
    """One section per building, each starting on a new page, with a column to tick off; returns
    the PDF and the number of persons on it. ``progress(done, total)`` after each building."""
    count = 0
    with translation.override(EXPORT_LANGUAGE):
        pdf = new_document(title=_("Missing list"))
        widths = (18, 22, 30, 40, 50, 30)
        heads = [_("unit"), _("room"), _("name"), _("phone"), _("notes"), _("done")]
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        targets: list[Target] = list(qs)
        if not targets:
            pdf.add_page()
            pdf.set_font_size(14)
            pdf.cell(0, 10, f"{campaign.name}: " + _("nobody is missing."), new_x="LMARGIN", new_y="NEXT")
        for _building, group in groupby(targets, key=lambda t: t.building_id):
            rows = list(group)
            building = rows[0].household.room.unit.building
            pdf.add_page()
            pdf.set_font_size(15)
            pdf.cell(0, 9, _("%(campaign)s: not reached yet") % {"campaign": campaign.name}, new_x="LMARGIN",
                     new_y="NEXT")
            pdf.set_font_size(12)
            pdf.cell(0, 8, _("%(compound)s building %(building)s, %(n)s persons, printed %(at)s") % {
                "compound": building.compound.name, "building": building.number, "n": len(rows), "at": stamp},
                new_x="LMARGIN", new_y="NEXT")
            pdf.set_font_size(10)
            for head, w in zip(heads, widths, strict=True):
                pdf.cell(w, 8, head, border=1)
            pdf.ln()
            for t in rows:
                count += 1
                room = t.household.room
                phone = masking.phone(t.person.phone)
                note = _("added while running") if t.added_mid_round else ""
                for value, w in zip((room.unit.number, room.number, t.person.name, phone, note, ""), widths,
                                    strict=True):
                    pdf.cell(w, 8, str(value), border=1)
                pdf.ln()
            if progress is not None:
                progress(count, len(targets))
        content = pdf_bytes(pdf)
    return content, count
