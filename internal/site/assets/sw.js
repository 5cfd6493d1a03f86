// The checker's service worker: it keeps every file of the site, so that
// the page opens and answers without the network. A new site (new files)
// has a new version and replaces the old cache whole.
"use strict";
var CACHE = "visaclock-checker-__VERSION__";
var FILES = __FILES__;

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(FILES); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("visaclock-checker-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (e) {
  if (e.request.method !== "GET") return;
  var url = new URL(e.request.url);
  var scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || url.pathname.indexOf(scope.pathname) !== 0) return;
  var name = url.pathname.slice(scope.pathname.length) || "index.html";
  e.respondWith(caches.open(CACHE).then(function (c) {
    return c.match(name, { ignoreSearch: true });
  }).then(function (hit) { return hit || fetch(e.request); }));
});
