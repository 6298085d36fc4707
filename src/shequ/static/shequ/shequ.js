/* What every page does for keyboard and screen-reader users (docs/accessibility.md).

1. A form that came back with errors: its summary (core/forms/errors.html, role="alert") takes the
   focus, so the problem is read first and the next Tab reaches its links to the fields.
2. A table wider than its place scrolls sideways inside its region (.table-wrap). The region is
   then a named, focusable region, so a keyboard can reach and scroll it (WCAG 2.1.1); when the table
   fits again it is an ordinary block with no extra Tab stop.
Without this script the pages still work; the tables are then scrolled by touch or mouse only.
*/
(function () {
  "use strict";
  var summary = document.querySelector("[data-focus-on-load]");
  function focusSummary() {
    if (summary && document.activeElement !== summary) { summary.focus(); }
  }
  focusSummary();
  // A URL with a fragment (#main, left by the skip link) moves the focus to its target once the
  // page has loaded; the summary takes it back.
  window.addEventListener("load", function () { window.setTimeout(focusSummary, 0); });

  var hint = document.body.getAttribute("data-scroll-hint") || "";

  function heading(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) { return caption.textContent; }
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el.textContent; }
    }
    var up = wrap.closest("section, .card");
    var h = up && up.querySelector("h1, h2, h3");
    if (h) { return h.textContent; }
    h = document.querySelector("h1");
    return h ? h.textContent : "";
  }

  function regions() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (wrap.getAttribute("tabindex") !== "0") {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", (heading(wrap).trim() + " " + hint).trim());
        }
      } else if (wrap.hasAttribute("tabindex")) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }
  regions();
  window.addEventListener("resize", regions);
  window.addEventListener("load", regions);
})();
