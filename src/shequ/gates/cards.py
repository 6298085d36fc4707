"""Pass cards as a PDF: ten credit-card-sized cards per A4 page with dashed cut lines.

Each card shows the QR of the person's pass token (``pass_tokens.token_for``: a random code and its
signature, never the ID number), the person's full name (it is their own card), the compound, the
address in the form residents write it (9号楼2单元502), the community and a card number (the pass's
number, so a lost card can be matched to the pass that must be reissued).

When the office asks for invite codes at the print, each card also carries its household's new code
(8 characters, grouped 4 + 4) and a small QR of the join link with the code, in the lower right
corner; the pass QR on the left stays the large one the gate reads (the gate screen skips a link).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from shequ.core.pdf import FONT_FAMILY, new_document, pdf_bytes, qr_png, text_line
from shequ.passes import tokens as pass_tokens
from shequ.passes.models import Pass
from shequ.registry.models import Person, Room

if TYPE_CHECKING:
    from fpdf import FPDF  # imported where a document is made: fpdf2 takes seconds to import

# Card geometry in mm (ISO/IEC 7810 ID-1 is 85.6 x 54; 85 x 54 leaves room for the cut).
CARD_W = 85.0
CARD_H = 54.0
COLUMNS = 2
ROWS = 5
PAGE_W = 210.0
PAGE_H = 297.0
LEFT = (PAGE_W - COLUMNS * CARD_W) / 2
TOP = (PAGE_H - ROWS * CARD_H) / 2
PER_PAGE = COLUMNS * ROWS
QR_SIZE = 40.0
PAD = 3.0
# The invite QR: ~30 modules for a join link of 50-60 characters, so about 0.45 mm a module: a
# phone reads it at 10-15 cm.
INVITE_QR_SIZE = 14.0


@dataclass(frozen=True)
class Card:
    number: str
    name: str
    compound: str
    address: str
    community: str
    token: str
    invite: str = ""  # the household's invite code issued at this print, or ""
    join_url: str = ""  # the join page's absolute URL (the invite QR holds it with ``?code=``)


def card_address(room: Room) -> str:
    """"9号楼2单元502": the address as written on a Chinese door and envelope. The card is printed for
    a Chinese community, so this form does not follow the interface language."""
    unit = room.unit
    return f"{unit.building.number}号楼{unit.number}单元{room.number}"


def card_number(issued: Pass) -> str:
    return f"{issued.pk:08d}"


def invite_group(code: str) -> str:
    """"ABCD 2345": the code as printed, in two groups of four to be typed without a slip."""
    return f"{code[:4]} {code[4:]}"


def cards_for(persons: Iterable[Person], active: dict[int, Pass], invites: dict[int, str] | None = None,
              join_url: str = "") -> list[Card]:
    """One card per person that has an active pass in ``active`` (person id -> pass), with the
    household's invite code from ``invites`` (household id -> code) if there is one. Persons must
    come with ``household__room__unit__building__compound`` and ``community`` selected."""
    invites = invites or {}
    cards = []
    for person in persons:
        issued = active.get(person.pk)
        if issued is None:
            continue
        room = person.household.room
        cards.append(Card(
            number=card_number(issued), name=person.name, compound=room.unit.building.compound.name,
            address=card_address(room), community=person.community.name, token=pass_tokens.token_for(issued.code),
            invite=invites.get(person.household_id, ""), join_url=join_url,
        ))
    return cards


def _cut_lines(pdf: FPDF, rows: int) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    bottom = TOP + rows * CARD_H
    for r in range(rows + 1):
        y = TOP + r * CARD_H
        pdf.line(LEFT - 8, y, LEFT + COLUMNS * CARD_W + 8, y)
    for c in range(COLUMNS + 1):
        x = LEFT + c * CARD_W
        pdf.line(x, TOP - 8, x, bottom + 8)
    pdf.set_dash_pattern()


def _card(pdf: FPDF, card: Card, x: float, y: float) -> None:
    pdf.set_text_color(0, 0, 0)
    header = f"{card.community} · {_('Pass')}"
    text_line(pdf, x + PAD, y + PAD - 1, CARD_W - 2 * PAD, header, 9)
    qr_top = y + (CARD_H - QR_SIZE) / 2 + 2
    pdf.image(qr_png(card.token, scale=4), x=x + PAD - 1, y=qr_top, w=QR_SIZE, h=QR_SIZE)
    text_x = x + PAD + QR_SIZE
    text_w = CARD_W - QR_SIZE - 2 * PAD
    text_line(pdf, text_x, qr_top + 3, text_w, card.name, 16)
    text_line(pdf, text_x, qr_top + 14, text_w, card.compound, 10)
    text_line(pdf, text_x, qr_top + 21, text_w, card.address, 11)
    pdf.set_text_color(90, 90, 90)
    number = _("Card No. %(number)s") % {"number": card.number}
    if not card.invite:
        text_line(pdf, text_x, qr_top + 32, text_w, number, 8)
        return
    # The invite block under the address: label, code, card number to the left of a small QR in the
    # lower right corner.
    invite_x = x + CARD_W - PAD - INVITE_QR_SIZE
    invite_y = y + CARD_H - PAD - INVITE_QR_SIZE
    pdf.image(qr_png(f"{card.join_url}?code={card.invite}", scale=4), x=invite_x, y=invite_y,
              w=INVITE_QR_SIZE, h=INVITE_QR_SIZE)
    block_w = invite_x - text_x - 1
    text_line(pdf, text_x, qr_top + 27, block_w, _("Invite code to join"), 6.5)
    pdf.set_text_color(0, 0, 0)
    text_line(pdf, text_x, qr_top + 30.5, block_w, invite_group(card.invite), 11)
    pdf.set_text_color(90, 90, 90)
    text_line(pdf, text_x, qr_top + 37, block_w, number, 6.5)


def cards_pdf(cards: list[Card], *, title: str, progress: Callable[[int], None] | None = None) -> bytes:
    """The cards, ten to an A4 page, in the order given. No cards: one page that says so.
    ``progress`` is called with the number of cards laid out after each page (a background job)."""
    pdf = new_document(title=title)
    pdf.set_font(FONT_FAMILY, size=11)
    pdf.set_auto_page_break(auto=False)
    if not cards:
        pdf.add_page()
        pdf.set_xy(LEFT, TOP)
        pdf.cell(0, 10, _("Nobody to print a pass card for."))
        return pdf_bytes(pdf)
    for start in range(0, len(cards), PER_PAGE):
        page = cards[start:start + PER_PAGE]
        pdf.add_page()
        rows = (len(page) + COLUMNS - 1) // COLUMNS
        _cut_lines(pdf, rows)
        for i, card in enumerate(page):
            row, column = divmod(i, COLUMNS)
            _card(pdf, card, LEFT + column * CARD_W, TOP + row * CARD_H)
        if progress is not None:
            progress(start + len(page))
    return pdf_bytes(pdf)
