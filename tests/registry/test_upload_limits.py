"""Issue 10.5: what an upload may cost is bounded before it is read; an import that would outlive a
request is refused naming the command line; an interrupted import leaves "import started" and what it
wrote in the audit log, and running it again completes it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from tests.registry.import_files import make_community

from shequ.audit.models import AuditEvent
from shequ.core import uploads
from shequ.registry import importer
from shequ.registry.importer import RosterTooCostly, import_roster, page_limits
from shequ.registry.models import Community, Person

pytestmark = pytest.mark.django_db

_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0"?><Relationships '
                  'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                  'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                  'Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_SHEET_TAIL = b"</sheetData></worksheet>"
_HEADER_ROW = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d</t></is></c>'  # 姓名
               b'<c r="B1" t="inlineStr"><is><t>\xe4\xbd\x8f\xe5\x9d\x80</t></is></c></row>')  # 住址


def xlsx(sheet_rows: Iterator[bytes] | list[bytes], shared_strings: Iterator[bytes] | None = None) -> bytes:
    """A minimal .xlsx written part by part, so that a million rows stay a few MB in memory and on disk."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_SHEET_HEAD + _HEADER_ROW)
            for chunk in sheet_rows:
                sheet.write(chunk)
            sheet.write(_SHEET_TAIL)
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w") as strings:
                strings.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                for chunk in shared_strings:
                    strings.write(chunk)
                strings.write(b"</sst>")
    return out.getvalue()


def million_rows() -> Iterator[bytes]:
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>张三</t></is></c><c r="B{n}" t="inlineStr"><is><t>9-2-502</t></is></c></row>'
    for start in range(2, 1_000_002, 10_000):
        yield "".join(row.format(n=n) for n in range(start, start + 10_000)).encode()


@pytest.fixture
def community(db: Any) -> Community:
    return make_community("limits")


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """The readers must never see a file over the limits (python-calamine aborts the process on some)."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the file was given to a reader")

    from shequ.campaigns import results

    monkeypatch.setattr(importer.read, "load_workbook", refuse)
    monkeypatch.setattr(importer.read, "csv_rows", refuse)
    monkeypatch.setattr(results, "csv_rows", refuse)
    monkeypatch.setattr(results, "sheet_rows", refuse)


def _refused(data: bytes, community: Community, filename: str = "名单.xlsx") -> str:
    with pytest.raises(RosterTooCostly) as refused:
        import_roster(community=community, path_or_file=data, filename=filename, actor=None,
                      limits=page_limits(community))
    assert not Person.objects.filter(community=community).exists()
    assert not AuditEvent.objects.filter(community=community).exists()
    return str(refused.value)


def test_a_million_row_xlsx_is_refused_before_it_is_read_naming_the_command(community: Community,
                                                                            no_reading: None) -> None:
    data = xlsx(million_rows())
    assert len(data) < 10 * 1024 * 1024  # small on disk, like the tester's 5 MB file
    with translation.override("en"):
        message = _refused(data, community)
    assert "50,000 rows" in message and "shequ import-roster FILE --community limits" in message
    with translation.override("zh-hans"):
        message = _refused(data, community)
    assert "50,000" in message and "shequ import-roster" in message and "行" in message


def test_a_million_line_csv_is_refused_before_it_is_parsed(community: Community, no_reading: None) -> None:
    data = ("姓名,住址\n" + "张三,9-2-502\n" * 1_000_000).encode()
    assert "shequ import-roster" in _refused(data, community, "名单.csv")


def test_a_shared_strings_bomb_is_refused(community: Community, no_reading: None) -> None:
    # Millions of empty strings: tiny compressed, a gigabyte of objects once read.
    strings = (b"<si><t/></si>" * 100_000 for _ in range(30))
    data = xlsx([b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], shared_strings=strings)
    assert len(data) < 200 * 1024
    with translation.override("en"):
        assert "different texts" in _refused(data, community)


def test_a_part_that_unpacks_beyond_the_budget_is_refused(community: Community, no_reading: None) -> None:
    # One shared string of 300 MB of "A": 300 KB compressed.
    strings = iter([b"<si><t>"] + [b"A" * (1 << 20)] * 300 + [b"</t></si>"])
    data = xlsx([b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], shared_strings=strings)
    assert len(data) < 1024 * 1024
    with translation.override("en"):
        assert "unpacks to more than 200 MB" in _refused(data, community)


@pytest.mark.parametrize("reference", ["XFD1048576", "A1048576", "CW2", "A50012"])
def test_a_cell_far_away_is_refused(community: Community, no_reading: None, reference: str) -> None:
    """1.4 KB with a cell at XFD1048576 makes python-calamine allocate rows x columns cells (22 GB)
    and abort the worker process."""
    data = xlsx([f'<row r="2"><c r="{reference}"><v>1</v></c></row>'.encode()])
    assert len(data) < 2048
    with translation.override("en"):
        message = _refused(data, community)
    assert "columns wide" in message or "rows" in message


def test_a_row_of_many_cells_without_references_is_refused(community: Community, no_reading: None) -> None:
    data = xlsx([b'<row r="2">' + b"<c><v>1</v></c>" * 5000 + b"</row>"])
    with translation.override("en"):
        assert "columns wide" in _refused(data, community)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(community: Community, no_reading: None,
                                                                 settings: Any, tmp_path: Any) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    path = tmp_path / "名单.csv"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(RosterTooCostly, match="MB"):
        import_roster(community=community, path_or_file=path, actor=None, limits=page_limits())


def test_a_roster_within_the_limits_is_imported(community: Community) -> None:
    rows = [f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>居民{n}</t></is></c><c r="B{n}" t="inlineStr">'
            f'<is><t>小区9-2-{n}</t></is></c></row>'.encode() for n in range(2, 52)]
    result = import_roster(community=community, path_or_file=xlsx(rows), filename="名单.xlsx", actor=None,
                           limits=page_limits())
    assert result.created == 50 and not result.rejected


# -- the pages ------------------------------------------------------------------------------------------

def test_the_upload_page_says_which_limit_and_answers_no_500(login: Any, no_reading: None) -> None:
    client = login("staff")
    response = client.post(reverse("registry:import"), {"file": SimpleUploadedFile("名单.xlsx", xlsx(million_rows()))},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "shequ import-roster" in response.content.decode()


def test_an_upload_larger_than_any_page_accepts_is_not_kept(login: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    client = login("staff")
    response = client.post(reverse("registry:import"), {"file": SimpleUploadedFile("名单.csv", b"x" * 20_000)},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "larger than 0.00390625 MB" in response.content.decode() or "it was not uploaded" in response.content.decode()


def test_the_results_page_refuses_a_million_rows(login: Any, users: dict[str, Any], anchor_household: Any,
                                                 no_reading: None) -> None:
    from tests.campaigns.conftest import open_round

    from shequ.campaigns.results import ResultsTooCostly, results_import

    campaign = open_round(users["secretary"], buildings=[anchor_household.room.unit.building])
    data = ("管号,结果\n" + "T1,阴性\n" * 1_000_000).encode()
    with pytest.raises(ResultsTooCostly, match="20,000"):
        results_import(actor=users["secretary"], campaign=campaign, file=data, filename="结果.csv")
    response = login("secretary").post(reverse("campaigns:results", args=[campaign.pk]),
                                       {"file": SimpleUploadedFile("结果.csv", data)})
    assert response.status_code == 200 and "20,000" in response.content.decode()


# -- an interrupted import ---------------------------------------------------------------------------------

def _roster_csv(n: int) -> bytes:
    return ("姓名,小区,楼栋,单元,房号\n" + "".join(f"居民{i},中断小区,1,1,{100 + i}\n" for i in range(n))).encode()


def _import_events(community: Community) -> list[dict[str, Any]]:
    return [e.after for e in AuditEvent.objects.filter(community=community, action="import").order_by("id")]


@pytest.mark.parametrize("error", [RuntimeError("disk full"), SystemExit(1)], ids=["error", "worker-timeout"])
def test_an_interrupted_import_says_how_far_it_got_and_running_it_again_completes_it(
        community: Community, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    monkeypatch.setattr(importer.write, "BATCH_ROWS", 5)
    write = importer._RosterImport._write
    batches = []

    def failing_third_batch(self: Any, rows: list[Any]) -> None:
        batches.append(len(rows))
        if len(batches) == 3:
            raise error
        write(self, rows)

    monkeypatch.setattr(importer._RosterImport, "_write", failing_third_batch)
    with pytest.raises(type(error)):
        import_roster(community=community, path_or_file=_roster_csv(23), filename="名单.csv", actor=None)
    # Two batches of five were committed before the error.
    assert Person.objects.filter(community=community).count() == 10
    started, interrupted = _import_events(community)
    assert started["phase"] == "started" and started["filename"] == "名单.csv"
    assert interrupted["phase"] == "interrupted"
    assert (interrupted["created"], interrupted["updated"], interrupted["rows_through"]) == (10, 0, 11)
    assert interrupted["error"] == type(error).__name__

    monkeypatch.setattr(importer._RosterImport, "_write", write)
    again = import_roster(community=community, path_or_file=_roster_csv(23), filename="名单.csv", actor=None)
    assert (again.created, again.unchanged) == (13, 10)
    assert Person.objects.filter(community=community).count() == 23
    phases = [e["phase"] for e in _import_events(community)]
    assert phases == ["started", "interrupted", "started", "finished"]


def test_an_import_stopped_by_an_error_tells_the_user_on_the_page(login: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Any, rows: list[Any]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer._RosterImport, "_write", broken)
    response = login("staff").post(reverse("registry:import"), {"file": SimpleUploadedFile("名单.csv", _roster_csv(3))},
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Import the same file again" in response.content.decode()
    assert AuditEvent.objects.filter(action="import", after__phase="interrupted").exists()


# -- the extent search -----------------------------------------------------------------------------------

@given(limit=st.integers(1, 3_000_000), number=st.integers(0, 10_000_000))
def test_the_search_for_numbers_above_a_limit_is_exact(limit: int, number: int) -> None:
    import re

    pattern = re.compile("^" + uploads._above(str(limit), "0123456789") + "$")
    assert bool(pattern.match(str(number))) == (number > limit)


@given(limit=st.integers(1, 702), column=st.integers(1, 20_000))
def test_the_search_for_columns_beyond_a_limit_is_exact(limit: int, column: int) -> None:
    import re

    pattern = re.compile("^" + uploads._above(uploads._letters(limit), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + "$")
    assert bool(pattern.match(uploads._letters(column))) == (column > limit)
