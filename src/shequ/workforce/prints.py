"""The workforce's prints (Chinese, A4, core.pdf): the sign-up QR poster and the certificate of service.

Both are printed in Chinese whatever the office's language: the poster hangs in the compound and
the certificate is handed to the volunteer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from shequ.core.pdf import fit_text, new_document, pdf_bytes, qr_png

if TYPE_CHECKING:
    from fpdf import FPDF  # imported where a document is made: fpdf2 takes seconds to import


def _line(pdf: FPDF, x: float, y: float, width: float, text: str, size: float, align: str = "L") -> None:
    """One line fitted to ``width`` (core.pdf fit_text), aligned left, centred ("C") or right ("R")."""
    fitted = fit_text(pdf, text, width, size)
    pdf.set_xy(x, y)
    pdf.cell(width, pdf.font_size * 1.25, fitted, align=align)


def poster_pdf(*, community_name: str, url: str) -> bytes:
    """"扫码报名志愿者": the community's name, a large QR code of the sign-up link, and the link."""
    pdf = new_document(title=f"{community_name} 志愿者报名")
    pdf.add_page()
    _line(pdf, 15, 30, 180, community_name, 30, align="C")
    _line(pdf, 15, 50, 180, "招募防疫志愿者", 40, align="C")
    pdf.image(qr_png(url, scale=10), x=55, y=80, w=100, h=100)
    _line(pdf, 15, 190, 180, "微信或手机相机扫码报名", 22, align="C")
    _line(pdf, 15, 205, 180, "填写姓名、电话、楼栋、特长和可服务时间，社区审核后联系您", 14, align="C")
    _line(pdf, 15, 225, 180, url, 11, align="C")
    return pdf_bytes(pdf)


def certificate_pdf(*, community_name: str, name: str, hours: float, shifts: int, first: dt.date | None,
                    last: dt.date | None, issued: dt.date) -> bytes:
    """志愿服务证明: who, how many hours and shifts, from when to when, issued by the community."""
    pdf = new_document(title=f"志愿服务证明 {name}")
    pdf.add_page()
    _line(pdf, 15, 40, 180, "志愿服务证明", 36, align="C")
    period = f"{first:%Y年%m月%d日}至{last:%Y年%m月%d日}" if first and last else ""
    body = [
        f"兹证明 {name} 同志{period}在{community_name}参加疫情防控志愿服务，",
        f"共服务 {shifts} 个班次，累计 {hours:g} 小时。",
        "特此证明，谨致谢意。",
    ]
    for i, line in enumerate(body):
        _line(pdf, 20, 80 + i * 14, 170, line, 15)
    _line(pdf, 100, 160, 95, community_name, 15, align="R")
    _line(pdf, 100, 172, 95, f"{issued:%Y年%m月%d日}", 15, align="R")
    return pdf_bytes(pdf)
