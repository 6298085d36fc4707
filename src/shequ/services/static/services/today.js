/*
 * Today's care tasks on a phone (services/today.html). Done / not reached is sent to the API
 * (POST /api/v1/services/visits) with a client_id chosen here once and kept in the form's hidden
 * input, so a second tap or a retry sends the same id and the server records the task once. When
 * the network is down or the server cannot be reached, the record is kept in localStorage and sent,
 * oldest first, when the page opens again or the browser comes back online: the queue pattern of
 * health/static/health/followup.js. An item leaves the queue only when the server answered 200 or
 * 201; one the server rejects stays as "failed" with its reason until the task is recorded by hand.
 * Without this script the form posts to the page, which records it through the same service.
 */
(function () {
  "use strict";

  var QUEUE_KEY = "shequ.services.queue";
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
    return results.filter(function (r) { return r.status === "rejected"; }).map(function (r) { return r.problem; });
  }

  function shown(item, text) {
    // The task's card on this page, if it is the one the item is about: its form becomes the outcome.
    var card = document.querySelector("[data-task='" + item.task + "']");
    if (!card) return;
    var form = card.querySelector("form.care-visit");
    var status = card.querySelector(".task-status");
    if (status) { status.textContent = text; status.hidden = false; }
    if (form && text === form.getAttribute("data-done")) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      card.setAttribute("data-recorded", item.records[0].outcome);
    }
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
      var form = document.querySelector("[data-task='" + item.task + "'] form.care-visit");
      if (!rejected.length && form) shown(item, form.getAttribute("data-done"));
      return flush();
    });
  }

  function render() {
    var node = document.getElementById("care-queue");
    if (!node) return;
    var queue = load();
    var waiting = queue.filter(function (q) { return q.state !== "failed"; });
    var failed = queue.filter(function (q) { return q.state === "failed"; });
    var parts = [];
    if (waiting.length) parts.push(node.dataset.waiting.replace("%(n)s", waiting.length));
    failed.forEach(function (q) { parts.push(node.dataset.failed + " " + q.problem); });
    node.textContent = parts.join(" ");
    node.hidden = !parts.length;
    document.body.setAttribute("data-queue", waiting.length ? "waiting" : "empty");
  }

  function visitForm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.localStorage) return;  // the page records it without the script
      event.preventDefault();
      var button = event.submitter;
      var hidden = form.querySelector("input[name=client_id]");
      if (!hidden.value) hidden.value = uuid4();
      var task = form.querySelector("input[name=task]").value;
      var dueOn = form.querySelector("input[name=due_on]").value;
      var item = { id: hidden.value, api: form.getAttribute("data-api"), task: task + ":" + dueOn, records: [{
        client_id: hidden.value, task_id: parseInt(task, 10), due_on: dueOn,
        outcome: button ? button.value : "done", note: form.querySelector("input[name=note]").value
      }] };
      var queue = load().filter(function (q) { return q.id !== item.id; });
      queue.push(item);
      store(queue);
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      send(item).then(function (outcome) {
        if (outcome.kept) {
          shown(item, form.getAttribute("data-queued"));
          form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
          render();
          return;
        }
        var rejected = problems(outcome.results);
        store(load().filter(function (q) { return q.id !== item.id; }));
        if (rejected.length) {
          shown(item, rejected.join(" "));
          form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        } else {
          shown(item, form.getAttribute("data-done"));
        }
        render();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.care-visit").forEach(visitForm);
    render();
    flush();
    window.addEventListener("online", flush);
  });
}());
