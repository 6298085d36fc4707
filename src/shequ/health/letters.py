"""The printable order letter (告知书: one page per person, or one per household naming every member
under an order) and the door notice (posted on the door: the address and the end date, the names
masked, no ID number, no phone), in Chinese, through core.pdf (fpdf2 with a CJK font).

Imported by the views where a PDF is asked for (fpdf2 takes seconds to import)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core.masking import mask_id_number, mask_name
from shequ.core.pdf import new_document, pdf_bytes
from shequ.health.models import OrderKind, QuarantineOrder

if TYPE_CHECKING:
    from fpdf import FPDF

LANGUAGE = "zh-hans"  # what is printed for the door and the household is in Chinese


def _when(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


def _address(order: QuarantineOrder) -> str:
    room = order.person.household.room
    return _("%(compound)s building %(building)s unit %(unit)s room %(room)s") % {
        "compound": room.unit.building.compound.name, "building": room.unit.building.number,
        "unit": room.unit.number, "room": room.number}


def _quarantine(orders: Sequence[QuarantineOrder]) -> bool:
    return any(o.kind == OrderKind.HOME_QUARANTINE and o.quarantine_days for o in orders)


def _title(orders: Sequence[QuarantineOrder]) -> str:
    if _quarantine(orders):
        return _("Notice of home quarantine for medical observation")
    return _("Notice of home health monitoring")


def _line(pdf: FPDF, text: str, size: float = 12, height: float = 8) -> None:
    pdf.set_font_size(size)
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def _letter_page(pdf: FPDF, orders: Sequence[QuarantineOrder]) -> None:
    first = orders[0]
    pdf.add_page()
    pdf.set_font_size(18)
    pdf.cell(0, 14, _title(orders), align="C", new_x="LMARGIN", new_y="NEXT")
    _line(pdf, _("Address: %(address)s") % {"address": _address(first)})
    for o in orders:
        _line(pdf, _("%(name)s (ID number %(id)s): %(kind)s under policy %(policy)s, last exposure %(exposure)s.") % {
            "name": o.person.name, "id": mask_id_number(o.person.id_number) or "-", "kind": o.get_kind_display(),
            "policy": o.policy_name, "exposure": o.last_exposure_on.isoformat()})
        _line(pdf, _("Home quarantine from %(start)s until %(until)s; home health monitoring until %(end)s.") % {
            "start": _when(o.starts_at), "until": _when(o.quarantine_ends_at), "end": _when(o.ends_at)}
              if o.monitoring_days else _("From %(start)s until %(end)s.") % {
                  "start": _when(o.starts_at), "end": _when(o.ends_at)})
        if tests := o.test_dates():
            _line(pdf, _("Tests on: %(days)s.") % {"days": ", ".join(d.isoformat() for d in tests)})
    pdf.ln(4)
    for rule in (_("Do not leave your home during home quarantine; the gates of the compound will not let you out."),
                 _("Take your temperature twice a day; the grid worker or the doctor will follow up each day."),
                 _("Report fever, cough or other symptoms to the community at once."),
                 _("Leave rubbish bagged at the door; supplies are delivered to your door.")):
        _line(pdf, "· " + rule, size=11, height=7)
    pdf.ln(6)
    _line(pdf, _("%(community)s, printed %(at)s") % {"community": first.community.name,
                                                     "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}, size=11)


def order_letter_pdf(orders: Sequence[QuarantineOrder], *, household: bool = False) -> bytes:
    """One page per person, or one page for the household naming every member's order."""
    with translation.override(LANGUAGE):
        pdf = new_document(title=_("Order letter"))
        if household:
            _letter_page(pdf, orders)
        else:
            for o in orders:
                _letter_page(pdf, [o])
        return pdf_bytes(pdf)


def door_notice_pdf(orders: Sequence[QuarantineOrder]) -> bytes:
    """The door notice: what the order is, the address, until when, the names masked."""
    first = orders[0]
    with translation.override(LANGUAGE):
        pdf = new_document(title=_("Door notice"))
        pdf.add_page()
        pdf.set_font_size(40)
        pdf.ln(20)
        pdf.cell(0, 24, _("Home quarantine") if _quarantine(orders) else _("Home health monitoring"),
                 align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font_size(22)
        pdf.cell(0, 16, _("Please do not disturb"), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)
        pdf.set_font_size(16)
        pdf.multi_cell(0, 11, _address(first), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 11, "、".join(mask_name(o.person.name) for o in orders), align="C",
                       new_x="LMARGIN", new_y="NEXT")
        until = max(o.ends_at for o in orders)
        pdf.multi_cell(0, 11, _("Until %(end)s") % {"end": _when(until)}, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)
        pdf.set_font_size(12)
        pdf.multi_cell(0, 8, _("Deliveries: leave them at the door. Questions: ask the community office."),
                       align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 8, first.community.name, align="C", new_x="LMARGIN", new_y="NEXT")
        return pdf_bytes(pdf)
