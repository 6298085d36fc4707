/* Sample registration with an offline queue.

Each scan, and each person added from the look-up, becomes an entry {code, pooling, point_id,
credential or person_id, client_id, at} in localStorage before anything is sent; the queue is then
sent to the API one tube at a time (POST /api/v1/campaigns/{id}/tubes), and an entry leaves the
queue only when the server has answered for it. A lost answer is harmless: the entry is sent again
with the same client_id and the server returns the first result. Without a connection the entries
wait ("offline: 3 waiting") and go when the phone is back online.

The page is never reloaded while a tube is filled: the look-up's results stay where they are (each
row says whether that person is waiting, in the tube, or refused), and after each answer the tube's
panel is fetched again and replaced. The tube closes by itself when full; the page counts what it
has queued, so that it asks for the next tube even offline. ``at`` is the phone's time corrected
by the server's clock at page load, so that a phone whose clock is wrong still sends the time the
server would have recorded. The chosen sampling point is remembered per user and round.

Without JavaScript the form posts to the page as usual (the look-up's buttons belong to it).
*/
(function () {
  "use strict";
  var form = document.getElementById("sample-form");
  if (!form || !window.fetch || !window.localStorage || !window.sessionStorage || !window.URLSearchParams ||
      !window.DOMParser || !window.history || !history.replaceState) { return; }
  form.noValidate = true;
  var api = form.getAttribute("data-api");
  var key = "shequ.sampling." + api;
  var pointKey = "shequ.sampling.point." + form.getAttribute("data-user") + "." + form.getAttribute("data-campaign");
  var skew = parseInt(form.getAttribute("data-now"), 10) * 1000 - Date.now();
  if (isNaN(skew)) { skew = 0; }
  var status = document.getElementById("offline-queue");
  var problems = document.getElementById("sync-problems");
  var tubeStatus = document.getElementById("tube-status");
  var closeButton = document.getElementById("close-tube");
  var results = document.getElementById("lookup-results");
  var search = document.querySelector("input[name=q][form=sample-form]");
  var tubeField = form.elements.tube;
  var poolingField = form.elements.pooling;
  var credentialField = form.elements.credential;
  var pointField = form.elements.point;
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var syncing = false;
  var known = {};  // tube code -> size the server last answered
  var note = "";  // "tube X is full", until a new tube is typed
  var lastSubmitter = null;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (m, name) { return String(values[name]); });
  }
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
    showStatus();
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function code() { return tubeField.value.trim().toUpperCase(); }
  function pooling() { return parseInt(poolingField.value, 10); }
  function pointId() { return pointField && pointField.value ? parseInt(pointField.value, 10) : null; }

  // -- the URL keeps what a reload needs: tube, pooling, point, the look-up ----------------------
  function pageUrl(extra) {
    var params = new URLSearchParams();
    var values = {tube: code(), pooling: poolingField.value, point: pointField ? pointField.value : "",
                  q: search ? search.value.trim() : ""};
    Object.keys(extra || {}).forEach(function (k) { values[k] = extra[k]; });
    Object.keys(values).forEach(function (k) {
      if (values[k] !== "" && values[k] !== null && values[k] !== undefined) { params.set(k, values[k]); }
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }
  function remember() { history.replaceState(null, "", pageUrl()); }

  // -- the sampling point: kept for this user and round across reloads ---------------------------
  if (pointField && pointField.tagName === "SELECT") {
    var fromUrl = new URLSearchParams(window.location.search).get("point");
    var stored = localStorage.getItem(pointKey);
    var options = Array.prototype.map.call(pointField.options, function (o) { return o.value; });
    if (fromUrl && options.indexOf(fromUrl) >= 0) {
      localStorage.setItem(pointKey, fromUrl);  // a link "register samples here" chose it
    } else if (stored && options.indexOf(stored) >= 0) {
      pointField.value = stored;
    }
    pointField.addEventListener("change", function () {
      localStorage.setItem(pointKey, pointField.value);
      remember();
    });
  }

  // -- what the tube holds: the server's last answer plus what waits in the queue ----------------
  function panel() {
    var s = document.querySelector("#tube-panel .tube-now");
    if (!s) { return null; }
    return {code: s.getAttribute("data-code"), size: parseInt(s.getAttribute("data-size"), 10),
            closed: s.hasAttribute("data-closed")};
  }
  function filled(c) {
    var p = panel();
    var base = p && p.code === c && !p.closed ? p.size : 0;
    if (known[c] !== undefined) { base = Math.max(base, known[c]); }
    return base + load().filter(function (e) { return e.code === c && e.client_id; }).length;
  }
  function showStatus() {
    var c = code();
    if (!c) {
      tubeStatus.textContent = note;
      closeButton.hidden = true;
      return;
    }
    var n = filled(c);
    tubeStatus.textContent = fmt(form.getAttribute("data-status"), {code: c, n: n, p: pooling()});
    closeButton.hidden = n === 0;
  }
  // A full tube closes by itself on the server; the page asks for the next one at once.
  function full_check(c) {
    if (filled(c) >= pooling() && code() === c) {
      note = fmt(form.getAttribute("data-full"), {code: c});
      tubeField.value = "";
      showStatus();
      tubeField.focus();
    }
  }

  // -- problems survive a reload (sessionStorage), then are shown once --------------------------
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

  // -- the look-up's rows ----------------------------------------------------------------------
  function row_of(entry) {
    if (!results || !entry.person_id) { return null; }
    return results.querySelector("li[data-person='" + entry.person_id + "']");
  }
  function mark(li, text, done) {
    if (!li) { return; }
    var state = li.querySelector(".state");
    if (state) { state.textContent = text; }
    var button = li.querySelector("button.add");
    if (button) { button.disabled = done; }
    li.classList.toggle("added", done);
  }
  function mark_queued() {
    load().forEach(function (e) {
      if (e.client_id) { mark(row_of(e), results.getAttribute("data-waiting"), true); }
    });
  }

  // -- sending ------------------------------------------------------------------------------
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
      var times = batch.filter(function (e) { return e.client_id && e.at; }).map(function (e) { return e.at; });
      if (times.length) { body.sampled_at = new Date(Math.min.apply(null, times)).toISOString(); }
      return fetch(api, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}
      }).then(function (r) {
        if (r.status >= 500 || r.status === 401) { return null; }
        return r.json().catch(function () { return {}; }).then(function (data) {
          var sent = batch.map(function (e) { return e.id; });
          var byClient = {};
          batch.forEach(function (e) { if (e.client_id) { byClient[e.client_id] = e; } });
          if (r.status < 400) { known[head.code] = data.size || 0; }
          save(load().filter(function (e) { return sent.indexOf(e.id) < 0; }));
          if (r.status >= 400) {
            var message = head.code + ": " + (data.message || r.status);
            report(message);
            batch.forEach(function (e) { mark(row_of(e), message, false); });
          } else {
            (data.samples || []).forEach(function (s) {
              var entry = byClient[s.client_id] || {};
              if (s.status === "rejected") {
                report(head.code + ": " + s.problem);
                mark(row_of(entry), s.problem, false);
              } else {
                mark(row_of(entry), fmt(results.getAttribute("data-added"), {code: head.code}), true);
                if (s.repeat && s.status === "created") {
                  report(head.code + ": " + s.name + " " + form.getAttribute("data-repeat"));
                }
              }
            });
            (data.warnings || []).forEach(function (w) { report(head.code + ": " + w); });
            last = data;
          }
          return step();
        });
      }, function () { return null; });
    }
    return step().then(function (result) {
      syncing = false;
      render(load());
      if (result && !load().length) { refresh(result); }
      return result;
    }, function () { syncing = false; return null; });
  }

  // Everything was sent: show the tube as the server has it now, without leaving the page.
  function refresh(answer) {
    if (answer.closed && code() === answer.code) { tubeField.value = ""; }
    var extra = {last: answer.closed && answer.tube_id ? answer.tube_id : ""};
    history.replaceState(null, "", pageUrl(extra));
    extra.q = "";  // the look-up stays as it is on the page
    return fetch(pageUrl(extra), {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var doc = new DOMParser().parseFromString(html, "text/html");
      ["tube-panel", "last-tube"].forEach(function (id) {
        var fresh = doc.getElementById(id);
        var here = document.getElementById(id);
        if (fresh && here) { here.innerHTML = fresh.innerHTML; }
      });
      showStatus();
    }, function () { return null; });
  }

  // -- looking people up, in place --------------------------------------------------------------
  function lookup() {
    if (!search) { return; }
    var url = pageUrl();
    history.replaceState(null, "", url);
    search.blur();  // the phone's keyboard goes away, the results come into view
    fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("lookup-results");
      if (fresh) { results.innerHTML = fresh.innerHTML; }
      mark_queued();
    }, function () {
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = results.getAttribute("data-offline");
      results.innerHTML = "";
      results.appendChild(p);
    });
  }

  function enqueue(entry) {
    var queue = load();
    entry.id = uuid();
    entry.code = code();
    entry.pooling = pooling();
    entry.point_id = pointId();
    if (entry.client_id) { entry.at = Date.now() + skew; }
    queue.push(entry);
    save(queue);
    return entry;
  }

  function add_person(button) {
    var c = code();
    if (!c) {
      note = form.getAttribute("data-need-tube");
      showStatus();
      tubeField.focus();
      return;
    }
    var li = button.closest("li");
    enqueue({person_id: parseInt(button.value, 10), client_id: uuid(), credential: ""});
    mark(li, results.getAttribute("data-waiting"), true);
    full_check(c);
    sync();  // offline, the entry waits in the queue
  }

  document.addEventListener("click", function (event) {
    var b = event.target.closest ? event.target.closest("button") : null;
    lastSubmitter = b && b.form === form ? b : null;
  }, true);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter || lastSubmitter;
    lastSubmitter = null;
    if (submitter && submitter.name === "action") { lookup(); return; }
    if (submitter && submitter.name === "person") { add_person(submitter); return; }
    var closing = submitter && submitter.name === "close";
    var c = code();
    var credential = credentialField.value.trim();
    if (!c) { tubeField.focus(); return; }
    if (!credential && !closing) { credentialField.focus(); return; }
    enqueue({credential: credential, client_id: credential ? uuid() : null, close: closing});
    credentialField.value = "";
    credentialField.focus();
    if (credential) { full_check(c); }
    sync();  // offline, the entry waits in the queue; once sent, the tube's panel is shown again
  });
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); lookup(); }
    });
  }
  tubeField.addEventListener("input", function () { note = ""; showStatus(); remember(); });
  poolingField.addEventListener("change", function () { showStatus(); remember(); });

  window.addEventListener("online", sync);
  window.setInterval(sync, 15000);
  render(load());
  mark_queued();
  sync();
})();
