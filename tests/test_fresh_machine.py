"""A machine with only Python and uv: a test that needs a part from outside Python (a Chinese font,
GNU gettext, Chromium) is skipped with a reason naming what to install, and only outside CI; under
``CI=true`` the same missing part fails the run (tests/conftest.py ``needs``). docs/testing.md."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from shequ.core import pdf
from tests.conftest import needs


def test_a_missing_part_is_a_skip_that_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="^GNU gettext is missing: apt-get install gettext$"):
        needs("GNU gettext", False, "apt-get install gettext")


def test_under_ci_a_missing_part_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="^GNU gettext is missing: apt-get install gettext$"):
        needs("GNU gettext", False, "apt-get install gettext")


@pytest.mark.parametrize("ci", ["true", ""])
def test_a_part_the_machine_has_is_neither(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    needs("GNU gettext", True, "apt-get install gettext")


def test_without_gettext_the_catalogue_check_is_skipped_naming_the_package(
        monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install gettext"):
        request.getfixturevalue("gettext_tools")


@pytest.fixture
def no_font_in_known_places(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This machine as one with no Chinese font where Linux, macOS or Windows keep theirs."""
    monkeypatch.delenv("SHEQU_PDF_FONT", raising=False)
    monkeypatch.delenv("WINDIR", raising=False)
    monkeypatch.delenv("SYSTEMROOT", raising=False)
    monkeypatch.setattr(pdf, "_CANDIDATES", [])
    pdf.cjk_font.cache_clear()
    yield
    pdf.cjk_font.cache_clear()


def test_without_a_font_the_pdf_tests_are_skipped_naming_the_package(
        no_font_in_known_places: None, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)  # no fontconfig either
    with pytest.raises(pytest.skip.Exception, match="apt-get install fonts-noto-cjk"):
        request.getfixturevalue("cjk_font")


def test_on_windows_the_pdfs_use_microsoft_yahei(no_font_in_known_places: None, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    windows = tmp_path / "Windows"
    (windows / "Fonts").mkdir(parents=True)
    (windows / "Fonts" / "msyh.ttc").write_bytes(b"")
    monkeypatch.setenv("WINDIR", str(windows))
    assert pdf.cjk_font() == (str(windows / "Fonts" / "msyh.ttc"), 0)


def test_elsewhere_fontconfig_finds_a_regular_simplified_chinese_face(
        no_font_in_known_places: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bold, regular = tmp_path / "wqy-zenhei-bold.ttc", tmp_path / "NotoSansCJK-Regular.ttc"
    bold.write_bytes(b"")
    regular.write_bytes(b"")
    listing = (f"{tmp_path}/gone.ttf\t0\tRegular\tGone SC\n"  # listed, but no longer on disk
               f"{bold}\t0\tBold\tWenQuanYi Zen Hei\n"
               f"{regular}\t3\tRegular\tNoto Sans CJK TC\n"
               f"{regular}\t2\tRegular\tNoto Sans CJK SC,Noto Sans CJK SC Regular\n")
    asked: list[list[str]] = []

    class Done:
        stdout = listing

    def run(args: list[str], **kwargs: object) -> Done:
        asked.append(args)
        return Done()

    monkeypatch.setattr(pdf.shutil, "which", lambda name: "/usr/bin/fc-list" if name == "fc-list" else None)
    monkeypatch.setattr(pdf.subprocess, "run", run)
    assert pdf.cjk_font() == (str(regular), 2)
    assert asked[0][:2] == ["/usr/bin/fc-list", ":lang=zh-cn"]  # only fonts that cover Chinese
