/* The gate screen, with JavaScript: record without reloading, keep working offline.
 *
 * Online, the form is posted to the screen's own URL with "Accept: application/json" and the
 * server's verdict fills the screen. When the server cannot be reached (no network, a proxy's 5xx,
 * no answer within a few seconds) or the session has ended, the screen decides locally with
 * rules.js and the gate's offline bundle, shows the verdict marked "offline", and queues the
 * passage in localStorage under its client_id. The queue is sent, oldest first, when the browser
 * says it is online again, on a retry timer, and after any passage the server answers. An item
 * leaves the queue only when the server answered 200 or 201 (201: recorded now; 200: it had been
 * recorded already, so nothing is recorded twice), or kept as failed when the server refused it
 * in a way that will never succeed (a 4xx other than 401, 403, 408 and 429).
 */
(function () {
  "use strict";

  var R = window.ShequRules;
  var configNode = document.getElementById("screen-config");
  var form = document.getElementById("passage-form");
  if (!R || !configNode || !form) return;
  var config = JSON.parse(configNode.textContent);
  var text = config.text;

  var QUEUE_KEY = "shequ.gates.queue." + config.user;
  var BUNDLE_PREFIX = "shequ.gates.bundle.";
  var BUNDLE_KEY = BUNDLE_PREFIX + config.gate;
  var DIRECTION_KEY = "shequ.gates.direction." + config.user + "." + config.gate;
  var BUNDLE_VERSION = 2;  // gates/offline.py BUNDLE_VERSION
  var BUNDLE_REFRESH_MS = 5 * 60 * 1000;
  var RETRY_MS = 15 * 1000;
  var POST_TIMEOUT_MS = 8 * 1000;

  function $(id) { return document.getElementById(id); }
  function show(node, on) { if (node) node.hidden = !on; }
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // -- storage ------------------------------------------------------------------------------
  function load(key, fallback) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return fallback;
    }
  }
  function store(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }
  function readQueue() { return load(QUEUE_KEY, []); }
  function writeQueue(queue) {
    if (store(QUEUE_KEY, queue)) return true;
    // Storage full: the queue matters more than the cached bundle, which can be fetched again.
    try { window.localStorage.removeItem(BUNDLE_KEY); } catch (e) { /* nothing else to free */ }
    return store(QUEUE_KEY, queue);
  }

  // Another account's bundles do not stay on a shared phone.
  try {
    for (var i = window.localStorage.length - 1; i >= 0; i--) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf(BUNDLE_PREFIX) === 0) {
        var other = load(key, null);
        if (!other || other.user !== config.user) window.localStorage.removeItem(key);
      }
    }
  } catch (e) { /* storage unavailable: the screen still works online */ }

  // -- identifiers, time, CSRF ----------------------------------------------------------------
  function uuid4() {
    if (window.crypto && window.crypto.randomUUID) {
      try { return window.crypto.randomUUID(); } catch (e) { /* not a secure context */ }
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  var bundleState = load(BUNDLE_KEY, null);
  if (bundleState && (bundleState.user !== config.user || bundleState.version !== BUNDLE_VERSION)) bundleState = null;

  // The phone's clock may be wrong; the server's time came with the bundle. A queued passage
  // carries the server's time of the moment it happened.
  function serverNow() {
    var offset = bundleState ? bundleState.offset || 0 : 0;
    return new Date(Date.now() + offset);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // -- talking to the server -----------------------------------------------------------------
  /* -> Promise of {kind: "ok"|"rejected"|"login"|"network", status, data} */
  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) {
      if (fields[k] !== null && fields[k] !== undefined) body.append(k, fields[k]);
    });
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, POST_TIMEOUT_MS) : null;
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin", signal: controller ? controller.signal : undefined,
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") >= 0;
      var status = response.status;
      if (status === 401 || status === 403 || (response.redirected && status === 200 && !json)) {
        // The login page instead of JSON: the session ended (or the CSRF token changed with a new
        // login). Waiting items are sent once the guard has logged in again.
        return { kind: "login", status: status };
      }
      if (!json) {
        // A proxy's or the server's error page: 5xx and the like are worth retrying; a 404 (the gate
        // is no longer this account's) or another 4xx is not.
        var permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
        return { kind: permanent ? "rejected" : "network", status: status, data: {} };
      }
      return response.json().then(function (data) {
        if (status === 200 || status === 201) return { kind: "ok", status: status, data: data };
        if (status >= 500 || status === 408 || status === 429) return { kind: "network", status: status, data: data };
        return { kind: "rejected", status: status, data: data };
      });
    }, function () {
      if (timer) clearTimeout(timer);
      return { kind: "network", status: 0 };
    });
  }

  // -- the offline bundle --------------------------------------------------------------------
  function bundle() { return bundleState ? bundleState.data : null; }

  function refreshBundle() {
    var started = Date.now();
    var headers = { "Accept": "application/json" };
    // Nothing changed since the bundle we hold: the server answers 304 and sends nothing.
    if (bundleState && bundleState.etag) headers["If-None-Match"] = bundleState.etag;
    return fetch(config.urls.bundle, { credentials: "same-origin", headers: headers })
      .then(function (response) {
        var received = Date.now();
        var middle = Math.round((started + received) / 2);
        if (response.status === 304 && bundleState) {
          var dated = Date.parse(response.headers.get("Date") || "");
          bundleState.fetched_at = received;
          if (!isNaN(dated)) bundleState.offset = dated - middle;
          store(BUNDLE_KEY, bundleState);
          renderStatus();
          return;
        }
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") >= 0;
        if (!response.ok || !json) throw new Error("bundle " + response.status);
        return response.json().then(function (data) {
          var serverTime = Date.parse(data.generated_at);
          bundleState = {
            user: config.user, version: BUNDLE_VERSION, fetched_at: received, data: data,
            etag: response.headers.get("ETag"), offset: isNaN(serverTime) ? 0 : serverTime - middle
          };
          store(BUNDLE_KEY, bundleState);
          renderStatus();
        });
      })
      .catch(function () { renderStatus(); });
  }

  function bundleFresh() {
    return bundleState && Date.now() - bundleState.fetched_at < BUNDLE_REFRESH_MS;
  }

  // -- status line: "offline: N waiting" ------------------------------------------------------
  var flushing = false;
  var needLogin = false;

  function renderStatus() {
    var queue = readQueue();
    var waiting = queue.filter(function (q) { return q.state !== "failed"; });
    var failed = queue.filter(function (q) { return q.state === "failed"; });
    var node = $("queue-status");
    node.dataset.waiting = String(waiting.length);
    node.dataset.failed = String(failed.length);
    var parts = [];
    if (waiting.length) parts.push(format(text.waiting, { n: waiting.length }) + (flushing ? " · " + text.sending : ""));
    // The server refuses a passage older than recorded_back_days (it then joins the red list below
    // with the server's reason); a day before that the guard is told to get the phone online.
    var limit = config.rules.recorded_back_days;
    var staleBefore = serverNow().getTime() - (limit - 1) * 24 * 3600 * 1000;
    var stale = waiting.filter(function (q) { return Date.parse(q.recorded_at) < staleBefore; });
    if (stale.length) parts.push(format(text.stale, { n: stale.length, days: limit - 1, limit: limit }));
    node.classList.toggle("has-stale", stale.length > 0);
    if (failed.length) parts.push(format(text.failed, { n: failed.length }));
    if (waiting.length && needLogin) parts.push(text.login);
    node.textContent = parts.join(" · ");
    show(node, parts.length > 0);
    node.classList.toggle("has-failed", failed.length > 0);

    var list = $("failed-list");
    list.textContent = "";
    failed.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = [item.recorded_at.slice(11, 16), item.name || item.fields.credential || "", item.error || ""].join(" · ");
      list.appendChild(li);
    });
    show(list, failed.length > 0);

    var bundleNode = $("bundle-status");
    if (bundleState) {
      var at = new Date(bundleState.fetched_at);
      bundleNode.textContent = format(text.bundle_age, { time: ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2) });
    } else {
      bundleNode.textContent = text.no_bundle;
    }
  }

  // -- sending the queue ---------------------------------------------------------------------
  function removeFromQueue(clientId) {
    writeQueue(readQueue().filter(function (q) { return q.client_id !== clientId; }));
  }

  function markFailed(clientId, message) {
    writeQueue(readQueue().map(function (q) {
      if (q.client_id === clientId) { q.state = "failed"; q.error = message; }
      return q;
    }));
  }

  function errorMessage(result) {
    var data = result.data || {};
    var parts = [data.message || ("HTTP " + result.status)];
    if (data.errors) {
      Object.keys(data.errors).forEach(function (k) { parts.push(data.errors[k].join(" ")); });
    }
    return parts.join(" ");
  }

  var sentSinceBundle = 0;

  function flush() {
    if (flushing) return;
    var next = readQueue().filter(function (q) { return q.state !== "failed"; })[0];
    if (!next) {
      needLogin = false;
      renderStatus();
      // Exits allowed offline are counted against the quota from the queue until sent; once sent,
      // a new bundle counts them.
      if (sentSinceBundle) { sentSinceBundle = 0; refreshBundle(); }
      return;
    }
    flushing = true;
    renderStatus();
    var body = Object.assign({}, next.fields, {
      client_id: next.client_id, recorded_at: next.recorded_at, offline_decision: next.offline_decision
    });
    post(next.url, body).then(function (result) {
      flushing = false;
      if (result.kind === "ok") {
        needLogin = false;
        sentSinceBundle += 1;
        removeFromQueue(next.client_id);
        flush();
      } else if (result.kind === "rejected") {
        markFailed(next.client_id, errorMessage(result));
        flush();
      } else {
        needLogin = result.kind === "login";
        renderStatus();
      }
    });
  }

  // -- the form ------------------------------------------------------------------------------
  var fields = {
    clientId: form.querySelector("input[name=client_id]"),
    credential: $("id_credential"),
    person: $("id_person"),
    temperature: $("id_temperature")
  };
  var confirmNoTemperature = false;
  var busy = false;

  function radio(name) {
    var checked = form.querySelector("input[name=" + name + "]:checked");
    return checked ? checked.value : "";
  }
  function setRadio(name, value) {
    var input = form.querySelector("input[name=" + name + "][value=" + value + "]");
    if (input) input.checked = true;
  }

  // The field each message is about: marked invalid while it shows (aria-invalid; the message is
  // the field's description, aria-describedby in the template).
  var ERROR_FIELDS = { "credential-help": "id_credential", "temperature-help": "id_temperature" };

  function setError(id, message) {
    var node = $(id);
    if (!node) return;
    // Emptied first, so that a screen reader announces the alert again when the same message returns.
    node.textContent = "";
    if (message) node.textContent = message;
    var field = $(ERROR_FIELDS[id]);
    if (field) {
      if (message) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    }
  }
  function clearErrors() {
    setError("credential-help", "");
    setError("temperature-help", "");
    var general = form.querySelector(".errors");
    if (general) general.remove();
    show($("temperature-suggestion"), false);
    var serverSuggestion = $("temperature-suggestion-server");
    if (serverSuggestion) serverSuggestion.remove();
  }
  function generalError(message) {
    var box = form.querySelector(".errors");
    if (!box) {
      box = document.createElement("div");
      box.className = "errors";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.querySelector(".identify"));
    }
    box.textContent = message;
  }

  function offerSuggestion(suggestion) {
    var button = $("temperature-suggestion");
    button.textContent = suggestion + " °C?";
    button.dataset.value = suggestion;
    show(button, true);
  }

  function showTemperatureProblem(parsed, raw) {
    if (parsed.error === "suggest") {
      setError("temperature-help", format(text.did_you_mean, { value: raw, suggestion: parsed.suggestion }));
      offerSuggestion(parsed.suggestion);
    } else {
      setError("temperature-help", text.temperature_range);
    }
  }

  function current() {
    return {
      credential: R.normalize(fields.credential.value),
      person: fields.person.value,
      direction: radio("direction") || "in",
      temperature: R.normalize(fields.temperature.value),
      health_code: radio("health_code") || "green",
      mask: radio("mask") || "yes"
    };
  }

  function pickedLabel() {
    return { name: $("picked-name").textContent, address: $("picked-address").textContent };
  }

  /* Where the guard starts with the next person: the temperature coming in (the scan, which
   * records, comes last, and is recognised wherever the focus is), the pass going out. */
  function focusStart() {
    (radio("direction") === "out" ? fields.credential : fields.temperature).focus();
  }

  function resetForNext() {
    fields.clientId.value = uuid4();
    fields.credential.value = "";
    fields.person.value = "";
    fields.temperature.value = "";
    setRadio("health_code", "green");
    setRadio("mask", "yes");
    show($("picked"), false);
    show($("lookup-results"), false);
    show($("lookup-note"), false);
    $("lookup-q").value = "";
    $("lookup-status").textContent = "";
    confirmNoTemperature = false;
    clearErrors();
  }

  // -- the verdict ---------------------------------------------------------------------------
  // A modal dialog: while it shows, everything behind it is inert (no Tab stops, no clicks), the
  // focus is on "Next person", Enter or Escape closes it, and the focus returns to where the next
  // person starts. It is moved to the end of <body> so that everything else can be made inert.
  var overlay = $("verdict-overlay");
  document.body.appendChild(overlay);

  function setBackgroundInert(on) {
    Array.prototype.forEach.call(document.body.children, function (node) {
      if (node === overlay || node.tagName === "SCRIPT") return;
      if (on) node.setAttribute("inert", "");
      else node.removeAttribute("inert");
    });
  }

  function verdictOpen() { return !overlay.hidden; }

  function showVerdict(verdict, offline) {
    var staticVerdict = $("verdict-static");
    if (staticVerdict) staticVerdict.remove();
    overlay.className = "verdict verdict-overlay verdict-" + verdict.decision;
    overlay.dataset.decision = verdict.decision;
    overlay.dataset.offline = offline ? "1" : "0";
    $("verdict-decision").textContent = verdict.decision === "allow" ? text.allow : text.deny;
    show($("verdict-offline"), offline);
    var person = verdict.person;
    $("verdict-who").textContent = person ? (person.visitor ? text.visitor + " " : "") + person.name : text.unknown;
    $("verdict-where").textContent = person ? person.address : "";
    var reasons = $("verdict-reasons");
    reasons.textContent = "";
    (verdict.reason_labels || []).forEach(function (label) {
      var li = document.createElement("li");
      li.textContent = label;
      reasons.appendChild(li);
    });
    var permitLine = $("verdict-permit");
    permitLine.textContent = verdict.permit ? verdict.permit.label : "";
    show(permitLine, !!verdict.permit);
    var visitor = $("verdict-visitor");
    if (verdict.visitor_url) visitor.href = verdict.visitor_url;
    show(visitor, !!verdict.visitor_url);
    var request = $("verdict-permit-request");
    if (verdict.permit_request_url) request.href = verdict.permit_request_url;
    show(request, !!verdict.permit_request_url);
    show(overlay, true);
    setBackgroundInert(true);
    $("verdict-next").focus();
  }

  /* Close the verdict; ``focus``: put the cursor where the next person starts. */
  function hideVerdict(focus) {
    var wasOpen = verdictOpen();
    show(overlay, false);
    setBackgroundInert(false);
    var staticVerdict = $("verdict-static");
    if (staticVerdict) staticVerdict.remove();
    if (focus !== false && wasOpen) focusStart();
  }

  overlay.addEventListener("click", function (e) {
    if (e.target.closest("a")) return;  // the visitor link
    hideVerdict();
  });
  document.addEventListener("keydown", function (e) {
    if (!verdictOpen()) return;
    if (e.key === "Escape") {
      e.preventDefault();
      hideVerdict();
    } else if (e.key === "Tab") {
      // Tab goes round the dialog's own buttons (everything behind it is inert).
      var stops = Array.prototype.filter.call(overlay.querySelectorAll("a[href], button"),
        function (node) { return !node.hidden; });
      if (!stops.length) return;
      var i = stops.indexOf(document.activeElement);
      var next = e.shiftKey ? (i <= 0 ? stops.length - 1 : i - 1) : (i < 0 || i === stops.length - 1 ? 0 : i + 1);
      e.preventDefault();
      stops[next].focus();
    }
  });
  // A verdict the server drew (after registering a visitor): shown the same way.
  var drawnVerdict = $("screen-verdict");
  if (drawnVerdict) showVerdict(JSON.parse(drawnVerdict.textContent), false);

  fields.credential.addEventListener("input", function () {
    if (fields.person.value && fields.credential.value) {
      fields.person.value = "";
      show($("picked"), false);
    }
  });

  /* A permit's end as the guard reads it (views_screen._until): the time today, else day and time. */
  function untilText(iso, now) {
    var end = new Date(iso);
    var two = function (n) { return ("0" + n).slice(-2); };
    var time = two(end.getHours()) + ":" + two(end.getMinutes());
    return end.toDateString() === now.toDateString() ? time : two(end.getMonth() + 1) + "-" + two(end.getDate()) + " " + time;
  }

  // -- permits here ----------------------------------------------------------------------------
  // The list under the form: requests this gate made and permits in force. While a request waits
  // for the office, it is asked for again every PERMITS_POLL_MS, so the answer shows by itself.
  var PERMITS_POLL_MS = 10 * 1000;

  function renderPermits(rows) {
    var list = $("permit-list");
    list.textContent = "";
    rows.forEach(function (row) {
      var li = document.createElement("li");
      li.className = "permit-row permit-" + row.status;
      li.dataset.status = row.status;
      var who = document.createElement("strong");
      who.textContent = row.who;
      li.appendChild(who);
      if (row.visitor) {
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = text.visitor;
        li.appendChild(document.createTextNode(" "));
        li.appendChild(badge);
      }
      li.appendChild(document.createTextNode(" " + row.place + " "));
      var state = document.createElement("span");
      state.className = "permit-state";
      state.textContent = row.status_label;
      li.appendChild(state);
      if (row.visitor_url) {
        var link = document.createElement("a");
        link.className = "button";
        link.href = row.visitor_url;
        link.textContent = text.register_visitor;
        li.appendChild(document.createTextNode(" "));
        li.appendChild(link);
      }
      list.appendChild(li);
    });
    show($("permits"), rows.length > 0);
  }

  function permitsWaiting() {
    return !!document.querySelector("#permit-list [data-status=waiting]");
  }

  function refreshPermits() {
    if (!permitsWaiting()) return;
    fetch(config.urls.permits, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") >= 0;
        if (!response.ok || !json) throw new Error("permits " + response.status);
        return response.json();
      })
      .then(function (data) { renderPermits(data.permits); })
      .catch(function () { /* offline: asked again on the next tick */ });
  }

  // -- recording -----------------------------------------------------------------------------
  function countQueuedExits(householdId) {
    var since = bundle() ? Date.parse(bundle().generated_at) : 0;
    return readQueue().filter(function (q) {
      return q.gate === config.gate && q.household === householdId && q.fields.direction === "out" &&
        q.offline_decision === "allow" && Date.parse(q.recorded_at) > since;
    }).length;
  }

  function recordOffline(values, clientId) {
    var data = bundle();
    var subject = values.person ? { personId: values.person } :
      R.looksLikeToken(values.credential) ? { token: values.credential } : null;
    if (!subject) {
      generalError(text.offline_credential);
      return false;
    }
    if (!data) {
      generalError(text.no_bundle);
      return false;
    }
    var at = serverNow();
    var probe = R.localStanding(data, subject, values.direction, 0, at.getTime());
    var householdId = probe.person ? probe.person.household : null;
    var local = householdId === null ? probe :
      R.localStanding(data, subject, values.direction, countQueuedExits(householdId), at.getTime());
    var checks = { direction: values.direction, temperature: values.temperature || null,
                   health_code: values.health_code, mask: values.mask === "yes" };
    var verdict = R.decide(checks, local.standing);
    var labels = verdict.reasons.map(function (r) { return config.reasons[r] || r; });
    var person = local.person ? { name: local.person.name, address: data.gate.compound + " " + local.household.address } :
      values.person ? pickedLabel() : null;
    var item = {
      client_id: clientId, gate: config.gate, url: config.urls.record, state: "waiting",
      fields: { credential: values.credential, person: values.person, direction: values.direction,
                temperature: values.temperature, health_code: values.health_code, mask: values.mask },
      recorded_at: at.toISOString(), offline_decision: verdict.decision, household: householdId,
      name: person ? person.name : ""
    };
    var queue = readQueue();
    if (!queue.some(function (q) { return q.client_id === clientId; })) queue.push(item);
    if (!writeQueue(queue)) {
      generalError(text.storage_full);
      return false;
    }
    store(DIRECTION_KEY, values.direction);
    resetForNext();
    var permit = verdict.permit && local.permit ? {
      label: format(text.permit_by, { by: local.permit.by, until: untilText(local.permit.ends_at, at) })
    } : null;
    showVerdict({ decision: verdict.decision, reason_labels: labels, person: person, permit: permit }, true);
    return true;
  }

  function submit(event) {
    event.preventDefault();
    if (busy) return;  // a double tap records once
    clearErrors();
    var values = current();
    if (!values.credential && R.looksLikeToken(values.temperature)) {
      // A scan typed into the temperature field too slowly to be told from typing (or pasted): the
      // token is the credential and what was typed before it stays the temperature; if that is no
      // temperature, it is an error on the field below and nothing is recorded.
      var split = R.splitScan(values.temperature);
      fields.credential.value = split ? split.token : values.temperature;
      fields.temperature.value = split ? split.before : "";
      values = current();
    }
    if (!values.credential && !values.person) {
      setError("credential-help", text.need_identity);
      fields.credential.focus();
      return;
    }
    var parsed = R.parseTemperature(values.temperature);
    if (parsed.error) {
      showTemperatureProblem(parsed, values.temperature);
      fields.temperature.focus();
      return;
    }
    if (parsed.value === null && values.direction === "in" && !confirmNoTemperature) {
      // A scan before the temperature: ask for it instead of recording a refusal. Recording again
      // without one records "temperature not taken".
      confirmNoTemperature = true;
      setError("temperature-help", text.need_temperature);
      fields.temperature.focus();
      return;
    }
    values.temperature = parsed.value || "";
    var clientId = fields.clientId.value || uuid4();
    busy = true;
    $("record-button").disabled = true;
    var body = Object.assign({}, values, { client_id: clientId });
    post(config.urls.record, body).then(function (result) {
      busy = false;
      $("record-button").disabled = false;
      if (result.kind === "ok") {
        store(DIRECTION_KEY, values.direction);
        resetForNext();
        showVerdict(result.data, false);
        flush();  // the server answers: send whatever waits
      } else if (result.kind === "rejected") {
        var data = result.data || {};
        var errors = data.errors || {};
        if (errors.credential) setError("credential-help", errors.credential.join(" "));
        if (errors.temperature) {
          setError("temperature-help", errors.temperature.join(" "));
          if (data.suggestion) offerSuggestion(data.suggestion);
        }
        var other = Object.keys(errors).filter(function (k) { return k !== "credential" && k !== "temperature"; });
        if (other.length || !Object.keys(errors).length) {
          generalError(text.server_error + " " + errorMessage(result));
        }
        if (result.status === 409) fields.clientId.value = uuid4();
      } else {
        needLogin = result.kind === "login";
        recordOffline(values, clientId);
        renderStatus();
      }
    });
  }

  form.addEventListener("submit", submit);
  form.addEventListener("input", function (e) {
    if (e.target === fields.temperature) {
      confirmNoTemperature = false;
      var parsed = R.parseTemperature(fields.temperature.value);
      show($("temperature-suggestion"), false);
      if (parsed.error === "suggest") offerSuggestion(parsed.suggestion);
    }
  });
  $("temperature-suggestion").addEventListener("click", function () {
    fields.temperature.value = this.dataset.value;
    show(this, false);
    setError("temperature-help", "");
    if (fields.credential.value || fields.person.value) {
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    } else {
      fields.credential.focus();
    }
  });

  // The last direction this guard recorded at this gate.
  var lastDirection = load(DIRECTION_KEY, null);
  if (lastDirection && !form.querySelector(".errors")) setRadio("direction", lastDirection);
  // Where the guard starts, unless the page came back with an error on a field.
  if (!verdictOpen() && !form.querySelector("[aria-invalid=true]") && !form.querySelector(".errors")) focusStart();

  // -- lookup --------------------------------------------------------------------------------
  var lookupForm = $("lookup-form");

  function pick(row) {
    fields.person.value = row.id;
    fields.credential.value = "";
    $("picked-name").textContent = row.name + (row.details ? " (" + row.details + ")" : "");
    $("picked-address").textContent = row.address;
    show($("picked"), true);
    show($("lookup-results"), false);
    show($("lookup-note"), false);
    setError("credential-help", "");
    if (!fields.temperature.value && radio("direction") !== "out") fields.temperature.focus();
    else $("record-button").focus();
  }

  function renderLookup(rows, note) {
    var list = $("lookup-results");
    list.textContent = "";
    rows.forEach(function (row) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pick";
      var name = document.createElement("strong");
      name.textContent = row.name;
      button.appendChild(name);
      if (row.details) {  // sex and age (online only: the offline list has neither)
        var details = document.createElement("span");
        details.className = "details";
        details.textContent = " " + row.details;
        button.appendChild(details);
      }
      var address = document.createElement("span");
      address.textContent = " " + row.address;
      button.appendChild(address);
      button.addEventListener("click", function () { pick(row); });
      li.appendChild(button);
      list.appendChild(li);
    });
    show(list, true);
    $("lookup-note").textContent = note || "";
    show($("lookup-note"), !!note);
    // Announced (role="status"): a screen reader hears how many were found without leaving the field.
    $("lookup-status").textContent = "";
    $("lookup-status").textContent = rows.length ? format(text.found, { n: rows.length }) : text.not_found;
  }

  /* Offline: rooms (9-2-502, 9号楼2单元502) and the visible characters of masked names. */
  function lookupLocal(q) {
    var data = bundle();
    if (!data) return [];
    var t = R.normalize(q);
    var room = /^(\d+[A-Za-z]?)\D+?(\d+)\D+?(\d+[A-Za-z]?)\D*$/.exec(t);
    var rows = [];
    data.persons.forEach(function (p) {
      var household = data.households[String(p.household)] || {};
      var hit;
      if (room) {
        hit = household.address === [room[1].toUpperCase(), room[2], room[3].toUpperCase()].join("-");
      } else if (/^\d+$/.test(t)) {
        hit = false;  // phone and ID digits are not in the bundle
      } else {
        var first = t.charAt(0);
        var last = t.length > 1 ? t.charAt(t.length - 1) : "";
        hit = p.name.charAt(0) === first && (!last || p.name.charAt(p.name.length - 1) === last);
      }
      if (hit && rows.length < 20) rows.push({ id: p.id, name: p.name, address: data.gate.compound + " " + household.address });
    });
    return rows;
  }

  lookupForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("lookup-q").value.trim();
    if (!q) return;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, POST_TIMEOUT_MS) : null;
    fetch(config.urls.lookup + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin", headers: { "Accept": "application/json" }, signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") >= 0;
      if (!response.ok || !json) throw new Error("lookup " + response.status);
      return response.json();
    }).then(function (data) {
      renderLookup(data.persons, "");
    }).catch(function () {
      renderLookup(lookupLocal(q), text.offline_lookup);
    });
  });
  var pickedClear = $("picked-clear");
  if (pickedClear) {
    pickedClear.addEventListener("click", function (e) {
      e.preventDefault();
      fields.person.value = "";
      show($("picked"), false);
      fields.credential.focus();
    });
  }

  // -- the hardware scanner -------------------------------------------------------------------
  // A USB or Bluetooth scanner is a keyboard that types the pass's token far faster than a person
  // can and ends with Enter. Such a burst is a scan wherever the focus is (the temperature field,
  // the lookup, a button, the verdict): the field it typed into gets back what it held before the
  // burst, the token becomes the credential, and the passage is recorded. Typing (slower than
  // SCAN_GAP_MS between keys on average, or shorter than SCAN_MIN_LENGTH) is left alone. A busy
  // phone delivers a scanner's keys late now and then: a burst already going fast (SCAN_STEADY
  // keys) survives up to SCAN_HICCUPS gaps of at most SCAN_HICCUP_MS, as long as its mean gap stays
  // a scanner's.
  var SCAN_GAP_MS = 50;
  var SCAN_MIN_LENGTH = 12;
  var SCAN_STEADY = 4;
  var SCAN_HICCUP_MS = 300;
  var SCAN_HICCUPS = 2;
  var burst = null;

  function fast(b) {
    return b.text.length < 2 || (b.last - b.first) / (b.text.length - 1) <= SCAN_GAP_MS;
  }

  function continuesBurst(b, at) {
    if (!b) return false;
    var gap = at - b.last;
    if (gap <= SCAN_GAP_MS) return true;
    if (gap <= SCAN_HICCUP_MS && b.text.length >= SCAN_STEADY && b.hiccups < SCAN_HICCUPS && fast(b)) {
      b.hiccups += 1;
      return true;
    }
    return false;
  }

  function editable(node) {
    return node && (node.tagName === "INPUT" || node.tagName === "TEXTAREA") &&
      typeof node.value === "string" && node.type !== "radio" && node.type !== "checkbox";
  }

  function takeScan(scanned) {
    var target = scanned.target;
    if (editable(target) && target.value !== scanned.before) {
      target.value = scanned.before;  // what the guard had typed there stays, without the token
    }
    hideVerdict(false);
    clearErrors();
    fields.person.value = "";
    show($("picked"), false);
    fields.credential.value = scanned.text;
    // Recorded at once; scanned before the temperature (coming in), the form asks for it first.
    form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Shift" || e.key === "CapsLock") return;  // a scanner's capitals come with Shift
    if (e.isComposing || e.ctrlKey || e.metaKey || e.altKey || !e.key) { burst = null; return; }
    var at = e.timeStamp;
    var continues = continuesBurst(burst, at);
    if (e.key === "Enter") {
      if (continues && burst.text.length >= SCAN_MIN_LENGTH && fast(burst)) {
        e.preventDefault();  // not a click on the focused button, not a second submit
        e.stopPropagation();
        var scanned = burst;
        burst = null;
        takeScan(scanned);
        return;
      }
      burst = null;
      return;
    }
    if (e.key.length !== 1) { burst = null; return; }
    if (!continues) {
      var target = e.target;
      burst = { text: "", target: target, before: editable(target) ? target.value : null, first: at, last: at,
                hiccups: 0 };
    }
    burst.text += e.key;
    burst.last = at;
  }, true);

  // -- camera (where the browser can read QR codes itself) ------------------------------------
  var cameraButton = $("camera-button");
  var video = $("camera-view");
  var stream = null;

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    show(video, false);
    cameraButton.classList.remove("active");
  }

  if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) return;
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      show(cameraButton, true);
      cameraButton.addEventListener("click", function () {
        if (stream) { stopCamera(); return; }
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
          stream = s;
          video.srcObject = s;
          show(video, true);
          cameraButton.classList.add("active");
          video.play();
          var scan = function () {
            if (!stream) return;
            detector.detect(video).then(function (codes) {
              // A pass card may also carry its household's invite QR (a join link): never the pass.
              var pass = codes.filter(function (c) { return c.rawValue && !/^https?:\/\//i.test(c.rawValue); })[0];
              if (pass) {
                stopCamera();
                fields.credential.value = pass.rawValue;
                hideVerdict(false);
                form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
              } else {
                setTimeout(scan, 200);
              }
            }, function () { setTimeout(scan, 500); });
          };
          scan();
        }, function () {
          generalError(text.camera_error);
        });
      });
    }, function () { /* no QR support: the button stays hidden */ });
  }

  // -- wiring --------------------------------------------------------------------------------
  // Logging out removes the cached bundle (masked names, pass tokens); the queue stays, to be sent
  // the next time this account opens the screen.
  // So does the copy of the screen page that the service worker keeps (sw.js).
  document.querySelectorAll("form[action*='logout']").forEach(function (f) {
    f.addEventListener("submit", function () {
      try {
        for (var k = window.localStorage.length - 1; k >= 0; k--) {
          var name = window.localStorage.key(k);
          if (name && name.indexOf(BUNDLE_PREFIX) === 0) window.localStorage.removeItem(name);
        }
      } catch (e) { /* nothing to remove */ }
      if (window.caches) {
        caches.keys().then(function (keys) {
          keys.forEach(function (key) {
            if (key.indexOf("shequ-gate-screen-") !== 0) return;
            caches.open(key).then(function (cache) {
              cache.keys().then(function (requests) {
                requests.forEach(function (r) { if (/\/screen\/$/.test(new URL(r.url).pathname)) cache.delete(r); });
              });
            });
          });
        });
      }
    });
  });
  // The service worker lets the screen open again without the network (HTTPS or localhost only).
  if ("serviceWorker" in navigator && config.urls.worker) {
    navigator.serviceWorker.register(config.urls.worker).catch(function () { /* no worker: online reopening only */ });
  }
  window.addEventListener("online", flush);
  window.addEventListener("storage", function (e) { if (e.key === QUEUE_KEY) renderStatus(); });
  setInterval(flush, RETRY_MS);
  setInterval(refreshPermits, PERMITS_POLL_MS);
  setInterval(refreshBundle, BUNDLE_REFRESH_MS);
  renderStatus();
  if (!bundleFresh()) refreshBundle();
  flush();
})();
