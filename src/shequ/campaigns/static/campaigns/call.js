/* One tap calls a missing person: the form asks the server for the number (a logged reveal), the
row shows it, and the phone dials it. Without JavaScript, the form opens a page with the number. */
(function () {
  "use strict";
  if (!window.fetch) { return; }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("call")) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: {"Accept": "application/json"}
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (data) {
      button.disabled = false;
      if (!data.tel) { return; }
      var link = document.createElement("a");
      link.href = data.tel;
      link.textContent = data.phone;
      var shown = form.parentNode.querySelector(".phone");
      if (shown) { shown.replaceWith(link); }
      window.location.href = data.tel;
    }, function () {
      form.submit();  // the page without script shows the number, or says why not
    });
  });
})();
