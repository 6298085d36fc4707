/* Edit forms (core/forms.py EditForm): list the fields the user typed in or changed, so that a
   field the page sends back empty without the user emptying it keeps its stored value. Without
   this script the server asks before emptying anything. */
(function () {
  "use strict";
  document.querySelectorAll("input[data-edited]").forEach(function (box) {
    var form = box.form;
    if (!form) { return; }
    var names = new Set(box.value === "-" ? [] : box.value.split(" ").filter(Boolean));
    function write() { box.value = Array.from(names).join(" "); }
    function mark(event) {
      var name = event.target && event.target.name;
      if (name && name !== box.name) { names.add(name); write(); }
    }
    write();
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
  });
}());
