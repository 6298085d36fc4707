/* The phone screen of disinfection, offline as the delivery run's is (supplies/static/supplies/run.js).
 *
 * The round form (data-queue) is sent with fetch as multipart, photo included. Without signal the
 * round is queued in IndexedDB (per user), its photo kept as a Blob, and the form gets a fresh client
 * id for the next round; the queue is sent, oldest first, when the browser is back online or the
 * page opens again. An entry leaves the queue only when the server answered (any status but a network
 * failure or a 5xx): the server records a client id once (a resend returns the first round), so a
 * round sent twice is recorded once, and a queued one is never lost to a failed send. A queued round
 * the server refuses (422: two days late, say) leaves the queue with the server's reason shown on the
 * screen, kept until the user has seen it; a photo over the size limit is refused before it is queued.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-disinfection]");
  var form = document.querySelector("form[data-queue]");
  if (!root || !window.indexedDB) return;
  var STORE = "rounds";
  var DB_NAME = "shequ.disinfection." + root.getAttribute("data-user");
  var status = document.getElementById("queue-status");
  var texts = {
    queued: root.getAttribute("data-text-queued"),
    sending: root.getAttribute("data-text-sending"),
    sent: root.getAttribute("data-text-sent"),
    refused: root.getAttribute("data-text-refused"),
    tooLarge: root.getAttribute("data-text-too-large"),
  };
  var maxBytes = parseInt(root.getAttribute("data-max-bytes") || "0", 10);

  function open() {
    return new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  function all() { return tx("readonly", function (s) { return s.getAll(); }).then(function (rows) { return rows || []; }); }
  function add(entry) { return tx("readwrite", function (s) { return s.add(entry); }); }
  function remove(seq) { return tx("readwrite", function (s) { return s.delete(seq); }); }

  function show(n, text) {
    if (!status) return;
    status.hidden = !n && !text;
    status.textContent = text || (n ? texts.queued.replace("%(n)s", n) : "");
  }
  function refresh() { return all().then(function (rows) { show(rows.length); return rows.length; }); }

  function uuid4() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function entryOf(form) {
    var fields = [], photo = null, photoName = "";
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "submit") return;
      if (el.type === "file") {
        if (el.files && el.files[0]) { photo = el.files[0]; photoName = el.files[0].name || "photo.jpg"; }
        return;
      }
      fields.push([el.name, el.value]);
    });
    return { url: form.getAttribute("action") || window.location.pathname + window.location.search, fields: fields,
             photo: photo, photoName: photoName };
  }
  function send(entry) {
    // A round with a photo goes as multipart; one without as a plain form (smaller, and cheaper
    // for the server to read).
    var body = entry.photo ? new FormData() : new URLSearchParams();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    if (entry.photo) body.append("photo", entry.photo, entry.photoName || "photo.jpg");
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (response.status >= 500) throw new Error("server");
      return response;
    });
  }
  var flushing = false;
  function flush() {
    if (flushing) return Promise.resolve(false);
    flushing = true;
    var sent = false;
    function next() {
      return all().then(function (rows) {
        if (!rows.length) return sent;
        show(rows.length, texts.sending);
        return send(rows[0]).then(function (response) {
          sent = true;
          if (response.status === 422) {
            return response.json().catch(function () { return {}; }).then(function (body) {
              var reasons = [];
              Object.keys(body.errors || {}).forEach(function (k) { reasons = reasons.concat(body.errors[k]); });
              var refused = document.getElementById("queue-refused");
              if (refused) {
                refused.hidden = false;
                refused.textContent = texts.refused + " " + (reasons.join(" ") || body.message || "");
              }
              return remove(rows[0].seq).then(next);
            });
          }
          return remove(rows[0].seq).then(next);
        });
      });
    }
    return next().catch(function () { return sent; }).then(function (any) {
      flushing = false;
      var refused = document.getElementById("queue-refused");
      return refresh().then(function (left) {
        if (any && !left) show(0, texts.sent);
        return any && !(refused && !refused.hidden);  // a refusal stays on screen: no reload
      });
    });
  }
  function queue(entry) {
    // The photo's Blob is stored as it is: IndexedDB keeps binary data (localStorage would not).
    return add(entry).then(function () {
      form.reset();
      var id = form.querySelector("[name=client_id]");
      if (id) id.value = uuid4();
      return refresh();
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var entry = entryOf(form);
      if (entry.photo && maxBytes && entry.photo.size > maxBytes) { show(0, texts.tooLarge); return; }
      if (!navigator.onLine) { queue(entry); return; }
      send(entry).then(function (response) {
        if (response.status === 422) { form.submit(); return; }  // the page shows the reasons
        window.location.assign(window.location.pathname);
      }, function () { queue(entry); });
    });
  }
  window.addEventListener("online", function () { flush().then(function (any) { if (any) window.location.assign(window.location.pathname); }); });
  refresh();
  if (navigator.onLine) flush().then(function (any) { if (any) window.location.assign(window.location.pathname); });
})();
