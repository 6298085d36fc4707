"""The checks the accessibility audit runs on a page, in Debian's chromium through Playwright.

- axe-core (bundled by axe-playwright-python; nothing is fetched) with the WCAG 2.1 A and AA rules;
- no visible text under 14 px;
- tap targets of at least 44 x 44 px (links inside a sentence excepted, as WCAG 2.5.5 does);
- reflow: at 320 px (a 1280 px window zoomed to 400 %, or a phone at 200 %) the page does not
  scroll sideways; a wide table scrolls inside its own region instead.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
# The same rules without building selectors and HTML for every node: about a third faster. A page
# with violations is checked again with them, to say where.
AXE_QUICK = {**AXE_OPTIONS, "selectors": False, "ancestry": False, "xpath": False, "elementRef": False}
MIN_TEXT_PX = 14
MIN_TARGET_PX = 44
REFLOW_WIDTH = 320

_DESCRIBE = """
const describe = (el) => {
  let s = el.tagName.toLowerCase();
  if (el.id) s += "#" + el.id;
  if (el.classList.length) s += "." + [...el.classList].join(".");
  const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 30);
  return text ? s + " \\"" + text + "\\"" : s;
};
const shown = (el) => {
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) return false;  // visually hidden (screen-reader only)
  const s = getComputedStyle(el);
  return s.visibility !== "hidden" && parseFloat(s.opacity) > 0;
};
"""

_SMALL_TEXT = _DESCRIBE + """
(min) => {
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !shown(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < min) out.push(describe(el) + " " + size + "px");
  }
  return out;
}
"""

_SMALL_TARGETS = _DESCRIBE + """
(min) => {
  const out = [];
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const rest = el.parentElement.textContent.replace(el.textContent, "").trim();
    return rest.length > 1;
  };
  const targets = document.querySelectorAll(
    "a[href], button, select, textarea, input:not([type=hidden]), summary");
  for (let el of targets) {
    if (el.type === "checkbox" || el.type === "radio") el = el.closest("label") || el;
    if (!shown(el) || inSentence(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < min - 0.5 || r.width < min - 0.5)
      out.push(describe(el) + " " + Math.round(r.width) + "x" + Math.round(r.height));
  }
  return [...new Set(out)];
}
"""

_SIDEWAYS = _DESCRIBE + """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el) || el.getBoundingClientRect().right <= width + 1) continue;
    // Only the outermost offender inside a region that does not scroll by itself.
    let up = el.parentElement, inside = false;
    while (up && up !== document.body) {
      const s = getComputedStyle(up).overflowX;
      if (s === "auto" || s === "scroll" || up.getBoundingClientRect().right > width + 1) { inside = true; break; }
      up = up.parentElement;
    }
    if (!inside) out.push(describe(el) + " right edge " + Math.round(el.getBoundingClientRect().right));
  }
  return out.slice(0, 5);
}
"""

_SETTLED = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _axe(page: Any, options: dict[str, Any]) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    page.evaluate("(quick) => axe.configure({noHtml: quick})", options is AXE_QUICK)
    return page.evaluate("(options) => axe.run(document, options).then((r) => r.violations)", options)


def axe_violations(page: Any) -> list[str]:
    if not _axe(page, AXE_QUICK):
        return []
    return [f"axe {v['id']} ({v['impact']}): {', '.join(str(t) for n in v['nodes'] for t in n['target'])}"
            for v in _axe(page, AXE_OPTIONS)]


def phone_problems(page: Any) -> list[str]:
    """Text size and tap targets, on a phone-sized page."""
    small = page.evaluate(_SMALL_TEXT, MIN_TEXT_PX)
    targets = page.evaluate(_SMALL_TARGETS, MIN_TARGET_PX)
    return ([f"text under {MIN_TEXT_PX} px: {', '.join(small[:8])}"] if small else []) + (
        [f"tap target under {MIN_TARGET_PX} px: {', '.join(targets[:8])}"] if targets else [])


def sideways(page: Any) -> list[str]:
    found = page.evaluate(_SIDEWAYS)
    return [f"scrolls sideways at {REFLOW_WIDTH} px: {', '.join(found)}"] if found else []


def resize(page: Any, width: int, height: int = 844) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate(_SETTLED)


def audit(page: Any) -> dict[int, list[str]]:
    """Every check on the page as it is now, at 390, 320 and 1280 px; leaves it at 390 px."""
    problems: dict[int, list[str]] = {}
    resize(page, 390)
    problems[390] = axe_violations(page) + phone_problems(page)
    resize(page, REFLOW_WIDTH)
    problems[REFLOW_WIDTH] = sideways(page)
    resize(page, 1280)
    problems[1280] = axe_violations(page)
    resize(page, 390)
    return {width: found for width, found in problems.items() if found}
