/* Sample registration with an offline queue.

Each scan becomes an entry {code, pooling, point_id, credential, client_id, close} in localStorage
before anything is sent; the queue is then sent to the API one tube at a time
(POST /api/v1/campaigns/{id}/tubes), and an entry leaves the queue only when the server has answered
for it. A lost answer is harmless: the entry is sent again with the same client_id and the server
returns the first result. Without a connection the entries wait ("offline: 3 waiting") and go when
the phone is back online. Without JavaScript the form posts to the page as usual.
*/
(function () {
  "use strict";
  var form = document.getElementById("sample-form");
  if (!form || !window.fetch || !window.localStorage || !window.sessionStorage) { return; }
  var api = form.getAttribute("data-api");
  var key = "shequ.sampling." + api;
  var status = document.getElementById("offline-queue");
  var problems = document.getElementById("sync-problems");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var syncing = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(queue) {
    localStorage.setItem(key, JSON.stringify(queue));
    render(queue);
  }
  function render(queue) {
    var waiting = queue.filter(function (e) { return e.client_id; }).length;
    status.hidden = waiting === 0;
    status.textContent = status.getAttribute("data-waiting").replace("%(n)s", String(waiting));
    form.setAttribute("data-waiting", String(waiting));
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // Problems survive the reload that follows a sync (sessionStorage), then are shown once.
  var problemsKey = key + ".problems";
  function report(text) {
    var kept = JSON.parse(sessionStorage.getItem(problemsKey) || "[]");
    kept.push(text);
    sessionStorage.setItem(problemsKey, JSON.stringify(kept));
    show_problem(text);
  }
  function show_problem(text) {
    var li = document.createElement("li");
    li.textContent = text;
    problems.appendChild(li);
    problems.hidden = false;
  }
  JSON.parse(sessionStorage.getItem(problemsKey) || "[]").forEach(show_problem);
  sessionStorage.removeItem(problemsKey);

  // Send the queue, oldest tube first. Resolves to the last answer, or null when offline.
  function sync() {
    if (syncing) { return Promise.resolve(null); }
    syncing = true;
    var last = null;
    function step() {
      var queue = load();
      if (!queue.length) { return Promise.resolve(last); }
      var head = queue[0];
      var batch = queue.filter(function (e) { return e.code === head.code && e.pooling === head.pooling; });
      var body = {
        code: head.code, pooling: head.pooling, point_id: head.point_id || null,
        close: batch.some(function (e) { return e.close; }),
        samples: batch.filter(function (e) { return e.client_id; }).map(function (e) {
          return {client_id: e.client_id, credential: e.credential || "", person_id: e.person_id || null};
        })
      };
      return fetch(api, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}
      }).then(function (r) {
        if (r.status >= 500 || r.status === 401) { return null; }
        return r.json().catch(function () { return {}; }).then(function (data) {
          var sent = batch.map(function (e) { return e.id; });
          save(load().filter(function (e) { return sent.indexOf(e.id) < 0; }));
          if (r.status >= 400) {
            report(head.code + ": " + (data.message || r.status));
          } else {
            (data.samples || []).forEach(function (s) {
              if (s.status === "rejected") { report(head.code + ": " + s.problem); }
            });
            last = data;
          }
          return step();
        });
      }, function () { return null; });
    }
    return step().then(function (result) {
      syncing = false;
      render(load());
      if (result && !load().length) { show(result); }
      return result;
    }, function () { syncing = false; return null; });
  }

  // Everything was sent: reload the page on the tube the server answered for last.
  function show(answer) {
    var params = new URLSearchParams(window.location.search);
    params.set("tube", answer.closed ? "" : answer.code);
    params.set("pooling", String(answer.pooling));
    params.set("last", String(answer.tube_id));
    params.delete("q");
    window.location.search = params.toString();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var closing = event.submitter && event.submitter.name === "close";
    var code = form.elements.tube.value.trim().toUpperCase();
    var credential = form.elements.credential.value.trim();
    if (!code) { form.elements.tube.focus(); return; }
    if (!credential && !closing) { form.elements.credential.focus(); return; }
    var point = form.elements.point;
    var queue = load();
    queue.push({
      id: uuid(), code: code, pooling: parseInt(form.elements.pooling.value, 10),
      point_id: point && point.value ? parseInt(point.value, 10) : null,
      credential: credential, client_id: credential ? uuid() : null, close: closing
    });
    save(queue);
    form.elements.credential.value = "";
    form.elements.credential.focus();
    sync();  // offline, the entry waits in the queue; once sent, the page reloads on its tube
  });

  window.addEventListener("online", sync);
  window.setInterval(sync, 15000);
  render(load());
  sync();
})();
