/*
 * The follow-up phone page (health/visit.html, health/followups.html): a household visit is sent
 * to the API (POST /api/v1/health/followups) as one record per member, each with its own client_id
 * chosen here once (kept in the form's hidden input, so a second tap or a retry sends the same ids
 * and the server records the slot once). When the network is down, or the server cannot be reached,
 * the visit is kept in localStorage and sent, oldest first, when the list page opens or the browser
 * comes back online, as the gate screen does (gates/static/gates/screen.js). An item leaves the queue
 * only when the server answered 200 or 201; a record the server rejects stays as "failed" with the
 * server's reason, shown on the list, until the worker records it again by hand.
 * Without this script the form posts to the page, which records it through the same service.
 */
(function () {
  "use strict";

  var QUEUE_KEY = "shequ.health.queue";
  var POST_TIMEOUT_MS = 10000;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function store(queue) {
    try { window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); return true; } catch (e) { return false; }
  }
  function uuid4() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function text(id) {
    var node = document.getElementById(id);
    return node ? node.textContent : "";
  }

  function send(item) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, POST_TIMEOUT_MS) : null;
    return fetch(item.api, {
      method: "POST", credentials: "same-origin", signal: controller ? controller.signal : undefined,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ records: item.records })
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      if (response.status !== 200 && response.status !== 201) return { kept: true, status: response.status };
      return response.json().then(function (data) { return { kept: false, results: data.results || [] }; });
    }, function () {
      if (timer) clearTimeout(timer);
      return { kept: true, status: 0 };
    });
  }

  function problems(results) {
    return results.filter(function (r) { return r.status === "rejected"; })
      .map(function (r) { return r.problem; });
  }

  function flush() {
    var queue = load().filter(function (q) { return q.state !== "failed"; });
    if (!queue.length || !navigator.onLine) { render(); return Promise.resolve(); }
    var item = queue[0];
    return send(item).then(function (outcome) {
      if (outcome.kept) { render(); return; }
      var rejected = problems(outcome.results);
      store(load().map(function (q) {
        if (q.id !== item.id) return q;
        return rejected.length ? Object.assign({}, q, { state: "failed", problem: rejected.join("; ") }) : null;
      }).filter(Boolean));
      return flush();
    });
  }

  function render() {
    var node = document.getElementById("followup-queue");
    if (!node) return;
    var queue = load();
    var waiting = queue.filter(function (q) { return q.state !== "failed"; });
    var failed = queue.filter(function (q) { return q.state === "failed"; });
    var parts = [];
    if (waiting.length) parts.push(node.dataset.waiting.replace("%(n)s", waiting.length));
    failed.forEach(function (q) { parts.push(node.dataset.failed.replace("%(address)s", q.address) + " " + q.problem); });
    node.textContent = parts.join(" ");
    node.hidden = !parts.length;
    // What is left to send, for the page (and its tests) to read: "empty" once all went.
    document.body.setAttribute("data-queue", waiting.length ? "waiting" : "empty");
  }

  function visitForm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.localStorage) return;  // the page records it without the script
      event.preventDefault();
      var records = [];
      var bad = false;
      form.querySelectorAll("fieldset[data-followup]").forEach(function (set) {
        var id = set.getAttribute("data-followup");
        var hidden = set.querySelector("input[name=client_id_" + id + "]");
        if (!hidden.value) hidden.value = uuid4();
        var outcome = set.querySelector("input[name=outcome_" + id + "]:checked");
        var temperature = set.querySelector("input[name=temperature_" + id + "]");
        if (temperature && !temperature.checkValidity()) bad = true;
        records.push({
          client_id: hidden.value, followup_id: parseInt(id, 10), outcome: outcome ? outcome.value : "",
          temperature: temperature && temperature.value ? temperature.value : null,
          symptoms: (set.querySelector("input[name=symptoms_" + id + "]") || { value: "" }).value
        });
      });
      if (bad) { form.reportValidity(); return; }
      var status = document.getElementById("visit-status");
      var item = { id: records[0].client_id, api: form.getAttribute("data-api"), records: records,
                   address: (document.querySelector("h1") || { textContent: "" }).textContent.trim() };
      var queue = load().filter(function (q) { return q.id !== item.id; });
      queue.push(item);
      store(queue);
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      send(item).then(function (outcome) {
        if (outcome.kept) {
          // Kept on the phone; the list sends it when the network is back.
          status.textContent = form.getAttribute("data-queued");
          status.hidden = false;
          if (button) button.disabled = false;
          return;
        }
        var rejected = problems(outcome.results);
        store(load().filter(function (q) { return q.id !== item.id; }));
        if (rejected.length) {
          status.textContent = rejected.join(" ");
          status.hidden = false;
          if (button) button.disabled = false;
          return;
        }
        var alerted = outcome.results.some(function (r) { return r.alerts && r.alerts.length; });
        window.location.assign(form.getAttribute("data-back") + (alerted ? "?alerted=1" : "?saved=1"));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("followup-visit");
    if (form) visitForm(form);
    render();
    flush();
    window.addEventListener("online", flush);
  });
}());
