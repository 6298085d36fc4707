"""The control of the accessibility audit (tests/browser/a11y.py): on a page made with one fault of
each kind it checks, it finds each one, and on the same page without them it finds nothing. Without
this, an audit whose axe never ran (or whose checks never matched) would pass every page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import a11y

pytestmark = pytest.mark.browser

FAULTY = """<!doctype html><html lang="zh-Hans"><head><title>对照</title></head><body><main>
<h1>对照页</h1>
<input name="unlabelled">
<p style="color:#aaa;background:#fff">对比度不足的文字</p>
<p style="font-size:11px">太小的字</p>
<button style="width:30px;height:20px;padding:0;font-size:14px">小</button>
<div style="width:600px">很宽的一块，会横向滚动</div>
</main></body></html>"""

CLEAN = """<!doctype html><html lang="zh-Hans"><head><title>对照</title></head><body><main>
<h1>对照页</h1>
<label for="f">姓名</label> <input id="f" name="f" style="min-height:44px;min-width:44px">
<p>足够的对比度</p>
<button style="min-width:44px;min-height:44px;font-size:16px">提交</button>
</main></body></html>"""


@pytest.fixture
def blank(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def test_the_audit_finds_each_kind_of_fault(blank: Any) -> None:
    blank.set_content(FAULTY)
    found = a11y.audit(blank)
    phone = " | ".join(found.get(390, []))
    assert "axe label " in phone and "axe color-contrast " in phone, phone
    assert 'text under 14 px: p "太小的字" 11px' in phone, phone
    assert "tap target under 44 px: " in phone and 'button "小" 30x20' in phone, phone
    assert any("scrolls sideways" in f for f in found.get(a11y.REFLOW_WIDTH, [])), found
    wide = " | ".join(found.get(1280, []))
    assert "axe label " in wide, wide


def test_the_audit_finds_nothing_on_a_page_without_them(blank: Any) -> None:
    blank.set_content(CLEAN)
    assert a11y.audit(blank) == {}
