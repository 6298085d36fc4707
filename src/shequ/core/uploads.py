"""What an uploaded spreadsheet may cost, checked before it is read (roster and lab-result imports).

A 5 MB .xlsx can hold a million rows, a 300 KB one can unpack to a gigabyte of shared strings, and a
1.4 KB one with a cell at XFD1048576 makes python-calamine allocate a dense grid of 22 GB and abort
the whole worker process. So, before a reader is given the file:

1. its size (``max_bytes``); the upload itself is cut off at the largest size any page accepts
   (``LimitedUploadHandler``), so nothing larger reaches the disk;
2. for a zip (.xlsx, .xlsm, .ods): the parts listed in the central directory, then every part
   inflated as a stream against a budget (``max_unpacked_bytes``): sizes written in the directory can
   lie, the inflated bytes cannot;
3. in each worksheet: the rows, any cell reference beyond the allowed rows or columns (the extent
   python-calamine allocates for) and the width of rows whose cells have no reference, found with
   byte searches (with the inflating, about a second for a 100,000-row sheet of 60 MB); in the shared
   strings, how many there are;
4. for a CSV: the rows (line breaks bound them; the exact count only when that bound is over).

The other formats the command line reads (.xls, .ods contents) are bounded by size and budget here
and by the sheet's height and width once read (``check_sheet_size``). Every refusal is an
``UploadTooCostly`` whose text names the limit, in the user's language.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_PARTS = 1000
_CHUNK = 1 << 20


@dataclass(frozen=True)
class UploadLimits:
    """``max_rows`` counts data rows (the header and up to ``header_rows`` title rows come on top);
    ``too_many_rows`` says what to do with a file that has more (a sentence, translated when shown).
    A sheet is read as a dense grid of about 32 bytes a cell, so ``max_sheet_rows`` x ``max_columns``
    bounds its memory (the page: 50,010 x 100 cells, 160 MB at the very worst)."""

    max_bytes: int
    max_unpacked_bytes: int
    max_rows: int
    max_columns: int
    too_many_rows: Callable[[], str]
    header_rows: int = 10

    @property
    def max_sheet_rows(self) -> int:
        return self.max_rows + self.header_rows

    @property
    def max_cells(self) -> int:
        return self.max_sheet_rows * self.max_columns


class UploadTooCostly(ValueError):
    """The file is over a limit; str() is the message for the user."""


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def check_size(size: int, limits: UploadLimits) -> None:
    if size > limits.max_bytes:
        raise UploadTooCostly(_("The file is %(size)s MB; at most %(max)s MB can be imported here.")
                              % {"size": _mb(size), "max": _mb(limits.max_bytes)})


def check_upload(data: bytes, limits: UploadLimits) -> None:
    """Raise UploadTooCostly if reading ``data`` would cost more than ``limits`` allow."""
    check_size(len(data), limits)
    if data[:4] == ZIP_MAGIC:
        _check_zip(data, limits)
    elif data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # not an .xls: read as CSV
        _check_csv(data, limits)


def check_sheet_size(height: int, width: int, limits: UploadLimits) -> None:
    """A sheet already read (the formats not checked before reading)."""
    _check_rows(height, limits)
    _check_columns(width, limits)
    if height * width > limits.max_cells:
        raise UploadTooCostly(_too_many_cells(limits))


def _check_rows(rows: int, limits: UploadLimits) -> None:
    if rows > limits.max_sheet_rows:
        raise UploadTooCostly(_("The file has more than %(max)s rows. %(what_to_do)s")
                              % {"max": f"{limits.max_rows:,}", "what_to_do": limits.too_many_rows()})


def _check_columns(columns: int, limits: UploadLimits) -> None:
    if columns > limits.max_columns:
        raise UploadTooCostly(_("A sheet of the file is more than %(max)s columns wide; remove the columns that "
                                "are not needed (and anything typed far to the right) and upload it again.")
                              % {"max": limits.max_columns})


def _too_many_cells(limits: UploadLimits) -> str:
    return _("The file has more than %(max)s cells; remove the columns that are not needed or split the file.") % {
        "max": f"{limits.max_cells:,}"}


def _too_much_unpacked(limits: UploadLimits) -> str:
    return _("The file unpacks to more than %(max)s MB, far more than a roster of its rows needs; save it again "
             "from Excel or WPS as .xlsx, or split it.") % {"max": _mb(limits.max_unpacked_bytes)}


# -- .xlsx and other zips -----------------------------------------------------------------------------

_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_SHARED_STRINGS = "xl/sharedStrings.xml"


def _check_zip(data: bytes, limits: UploadLimits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a readable zip: the reader says so in its own words
    if len(parts) > MAX_ZIP_PARTS:
        raise UploadTooCostly(_too_much_unpacked(limits))
    if sum(p.file_size for p in parts) > limits.max_unpacked_bytes:
        raise UploadTooCostly(_too_much_unpacked(limits))
    budget = limits.max_unpacked_bytes
    for part in parts:
        keep = bool(_WORKSHEET.match(part.filename)) or part.filename == _SHARED_STRINGS
        inflated = _inflate(archive, part, budget, keep, limits)
        budget -= inflated[0]
        if keep:
            if part.filename == _SHARED_STRINGS:
                _check_shared_strings(inflated[1], limits)
            else:
                check_worksheet_xml(inflated[1], limits)


def _inflate(archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: int, keep: bool,
             limits: UploadLimits) -> tuple[int, bytes]:
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise UploadTooCostly(_too_much_unpacked(limits))
                if keep:
                    chunks.append(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, RuntimeError):
        return size, b""  # a broken or encrypted part: the reader reports the file as unreadable
    return size, b"".join(chunks)


def _letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (a column's name)."""
    name = ""
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def _above(limit: str, digits: str) -> str:
    """A regular expression for the strings of the alphabet ``digits`` (in order, no leading
    "zero") that are greater than ``limit`` read as a number of that base: longer, or as long and
    greater at the first place they differ."""
    low, high = digits[0], digits[-1]
    parts = [f"[{digits[1] if low == '0' else low}-{high}][{low}-{high}]{{{len(limit)},}}"]
    for i, place in enumerate(limit):
        index = digits.index(place)
        if index + 1 < len(digits):
            parts.append(re.escape(limit[:i]) + f"[{digits[index + 1]}-{high}][{low}-{high}]{{{len(limit) - i - 1}}}")
    return "(?:" + "|".join(parts) + ")"


def _reference_beyond(limits: UploadLimits) -> re.Pattern[bytes]:
    """A cell or row reference beyond the allowed extent: r="A1000000" or r="1000000" (rows), or
    r="XFD1" (columns). It starts with the literal r=", which the regular expression engine finds as
    fast as bytes.find; the lookaheads drop a reference too short to be beyond before the
    alternatives are tried (a 100,000-row sheet: 0.2 s instead of 0.65)."""
    row_limit, column_limit = str(limits.max_sheet_rows), _letters(limits.max_columns)
    rows = _above(row_limit, "0123456789")
    columns = _above(column_limit, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return re.compile((f'r="(?:[A-Z]{{0,3}}+(?=[0-9]{{{len(row_limit)}}})(?P<row>{rows})"'
                       f'|(?=[A-Z]{{{len(column_limit)}}})(?P<column>{columns})[0-9])').encode())


_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_TAG_END = (b" ", b">", b"/", b"\t", b"\n", b"\r")


def check_worksheet_xml(xml: bytes, limits: UploadLimits) -> None:
    """Rows, row width and references beyond the extent of one worksheet's XML.

    python-calamine places a cell at its reference (r="B7"), or after the previous cell when it has
    none, and allocates the whole rectangle. So: every reference within max_sheet_rows x max_columns
    (one search), the rows counted, and, when more cells than a row's width lack a reference (some
    generators write none), each row's cells counted."""
    root = _ROOT.search(xml, 0, 8192)
    prefix = (root.group(1) + b":") if root and root.group(1) else b""
    row_tag, cell_tag = b"<" + prefix + b"row", b"<" + prefix + b"c"
    _check_rows(xml.count(row_tag), limits)
    beyond = _reference_beyond(limits).search(xml)
    if beyond is not None:
        if beyond.group("row") is not None:
            _check_rows(limits.max_sheet_rows + 1, limits)
        _check_columns(limits.max_columns + 1, limits)
    # "<c" also counts a few other tags (<cols>, <color> in rich text): an over-estimate of the cells
    # without a reference, which only sends a file to the exact count below.
    unreferenced = xml.count(cell_tag) - xml.count(cell_tag + b' r="')
    if unreferenced > limits.max_columns:
        _check_row_widths(xml, row_tag, cell_tag, limits)


def _check_row_widths(xml: bytes, row_tag: bytes, cell_tag: bytes, limits: UploadLimits) -> None:
    cell_tags = [cell_tag + end for end in _TAG_END]
    position = xml.find(row_tag)
    while position != -1:
        following = xml.find(row_tag, position + len(row_tag))
        end = len(xml) if following == -1 else following
        if xml[position + len(row_tag):position + len(row_tag) + 1] in _TAG_END:
            _check_columns(sum(xml.count(tag, position, end) for tag in cell_tags), limits)
        position = following


_STRING_TAGS = (b"<si>", b"<si ", b"<si/", b":si>", b":si ", b":si/")


def _check_shared_strings(xml: bytes, limits: UploadLimits) -> None:
    # Each costs python-calamine an allocation whether a cell uses it or not; a roster repeats its
    # texts (compounds, relations), so a quarter of the cells is generous.
    most = limits.max_cells // 4
    if sum(xml.count(tag) for tag in _STRING_TAGS) > most:
        raise UploadTooCostly(_("The file holds more than %(max)s different texts, far more than a roster needs; "
                                "save it again from Excel or WPS as .xlsx, or split it.") % {"max": f"{most:,}"})


# -- CSV ------------------------------------------------------------------------------------------------

def _check_csv(data: bytes, limits: UploadLimits) -> None:
    if data.count(b"\n") + 1 <= limits.max_sheet_rows:
        return
    # Line breaks inside quoted cells also count above: count the rows themselves.
    text = data.decode("utf-8", errors="replace")
    rows = 0
    try:
        for _row in csv.reader(io.StringIO(text, newline="")):
            rows += 1
            if rows > limits.max_sheet_rows:
                _check_rows(rows, limits)
    except csv.Error:
        return  # the reader reports it with the row


# -- the upload itself -----------------------------------------------------------------------------------

class RefusedUploadRequest(HttpRequest):
    """A request whose upload the handler below refused: ``upload_refused`` is the limit in bytes
    (absent on every other request: read it with ``getattr``)."""

    upload_refused: int


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: no uploaded file larger than UPLOAD_MAX_BYTES is kept, in
    memory or on disk. The request is marked (``request.upload_refused`` = the limit in bytes) and
    the page says why; a body far larger is not even read."""

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any,  # noqa: N803
                         encoding: Any = None) -> None:
        self.body_length = content_length or 0
        self.limit = int(getattr(settings, "UPLOAD_MAX_BYTES", 0) or 0)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.limit and self.body_length > self.limit:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.limit and start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _refuse(self) -> None:
        if self.request is not None:
            cast(RefusedUploadRequest, self.request).upload_refused = self.limit
        # Up to four times the limit is read and dropped, so that the browser gets the page that
        # says why; beyond, the connection is dropped.
        raise StopUpload(connection_reset=self.body_length > 4 * self.limit)


def upload_refused_message(request: Any) -> str | None:
    limit = getattr(request, "upload_refused", None)
    if not limit:
        return None
    return _("The file is larger than %(max)s MB; it was not uploaded.") % {"max": _mb(limit)}
