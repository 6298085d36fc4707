/* The phone screen of a delivery run, offline as the gate screen is (gates/static/gates/screen.js).
 *
 * Each form marked data-queue is sent with fetch. When the phone has no signal the form's fields are
 * queued in localStorage (per user and run) and the stop is marked "queued"; the queue is sent, oldest
 * first, when the browser is back online or the page opens again. An entry leaves the queue only when
 * the server answered (any status but a network failure or a 5xx): the server's steps are once only
 * (left at the door, receipt, entering and leaving a building with its client id), so sending one twice
 * records it once.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-run]");
  if (!root) return;
  var QUEUE_KEY = "shequ.supplies.queue." + root.getAttribute("data-user") + "." + root.getAttribute("data-run");
  var status = document.getElementById("queue-status");
  var texts = {
    queued: root.getAttribute("data-text-queued"),
    sending: root.getAttribute("data-text-sending"),
  };

  function load() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) {
    try { window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); return true; } catch (e) { return false; }
  }
  function show() {
    var n = load().length;
    if (!status) return;
    status.hidden = n === 0;
    status.textContent = n ? texts.queued.replace("%(n)s", n) : "";
  }
  function fields(form, submitter) {
    var data = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "submit") return;
      data.push([el.name, el.value]);
    });
    if (submitter && submitter.name) data.push([submitter.name, submitter.value]);
    return data;
  }
  function send(entry) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (response.status >= 500) throw new Error("server");
      return response;
    });
  }
  var flushing = false;
  function flush() {
    if (flushing) return Promise.resolve(false);
    var queue = load();
    if (!queue.length) return Promise.resolve(false);
    flushing = true;
    if (status) { status.hidden = false; status.textContent = texts.sending; }
    var sent = false;
    function next() {
      var queue = load();
      if (!queue.length) return Promise.resolve(sent);
      return send(queue[0]).then(function () {
        var rest = load(); rest.shift(); save(rest); sent = true;
        return next();
      });
    }
    return next().catch(function () { return sent; }).then(function (any) {
      flushing = false; show();
      return any;
    });
  }
  function queue(entry, form) {
    var q = load(); q.push(entry); save(q); show();
    var stop = form.closest(".card");
    if (stop) stop.classList.add("queued");
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-queue]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var entry = { url: form.getAttribute("action") || window.location.pathname, fields: fields(form, event.submitter) };
      if (!navigator.onLine) { queue(entry, form); return; }
      send(entry).then(function () { window.location.reload(); }, function () { queue(entry, form); });
    });
  });
  window.addEventListener("online", function () { flush().then(function (any) { if (any) window.location.reload(); }); });
  show();
  if (navigator.onLine) flush().then(function (any) { if (any) window.location.reload(); });
})();
