/* Shequ: the gate screen's service worker (served at {{ scope }}sw.js, so its scope is {{ scope }}).
 *
 * It lets a guard's phone open the gate screen again when the network is gone, for example after
 * the browser was closed or the page reloaded at 2 a.m. during an outage. Everything else of the
 * screen's offline work (the offline list, the local decision, the queue of passages) is done by
 * screen.js in the page, in localStorage; this worker only keeps the page and its files:
 *
 * - the screen page of a gate (GET {{ scope }}<gate>/screen/): from the network while there is one,
 *   and a copy kept of each successful answer; from that copy when the network fails;
 * - the screen's scripts and styles: kept when the worker is installed, served from the copy.
 *
 * Nothing else is touched: other pages, posts, the offline list and the API go to the network as
 * without a worker. A new version of the files (a new deployment) makes a new cache and drops the
 * old one. Service workers need HTTPS (or localhost): on plain HTTP the screen works as before,
 * only without reopening offline.
 */
"use strict";

var CACHE_PREFIX = "shequ-gate-screen-";
var CACHE = CACHE_PREFIX + {{ version_json|safe }};
var ASSETS = {{ assets_json|safe }};
var SCREEN = new RegExp({{ screen_pattern_json|safe }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf(CACHE_PREFIX) === 0 && key !== CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && SCREEN.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      // Only the screen itself: not a redirect to the login page, not an error page.
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname, { ignoreVary: true });
      }).then(function (kept) { return kept || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname, { ignoreVary: true });
    }).then(function (kept) { return kept || fetch(request); }));
  }
});
