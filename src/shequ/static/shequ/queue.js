/* The offline queue of a field screen, for any page: the one copy new screens use (the gate screen,
 * the sampling table, follow-ups and delivery runs have their own older copies of the same idea).
 *
 * The page marks its root with data-offline-queue="<key>" (the key names the user and the list:
 * "notices.knock.<user>.<notice>"), data-text-queued ("%(n)s waiting to be sent") and
 * data-text-sending. Each form marked data-queue is sent with fetch. Without a signal its fields
 * are queued in localStorage and its card (.card) is marked "queued"; the queue is sent oldest first
 * when the browser is back online or the page opens again. An entry leaves the queue only when the
 * server answered (any status but a network failure or a 5xx): each form carries its own client id
 * and the server records it once, so sending one twice records it once.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-queue]");
  if (!root) return;
  var QUEUE_KEY = "shequ.queue." + root.getAttribute("data-offline-queue");
  var status = document.getElementById("queue-status");
  var texts = { queued: root.getAttribute("data-text-queued") || "%(n)s", sending: root.getAttribute("data-text-sending") || "" };

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
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
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
    if (!load().length) return Promise.resolve(false);
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
    var card = form.closest(".card");
    if (card) card.classList.add("queued");
  }
  function reloadIfSent(any) { if (any) window.location.reload(); }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-queue]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var entry = { url: form.getAttribute("action") || window.location.pathname, fields: fields(form, event.submitter) };
      if (!navigator.onLine) { queue(entry, form); return; }
      send(entry).then(function () { window.location.reload(); }, function () { queue(entry, form); });
    });
  });
  window.addEventListener("online", function () { flush().then(reloadIfSent); });
  show();
  if (navigator.onLine) flush().then(reloadIfSent);
})();
