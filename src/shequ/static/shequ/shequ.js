/* What every page does for keyboard and screen-reader users (docs/accessibility.md).

A form that came back with errors: its summary (core/forms/errors.html, role="alert") takes the
focus, so the problem is read first and the next Tab reaches its links to the fields.
Without this script the pages still work.
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
})();
