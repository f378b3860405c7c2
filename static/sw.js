/* cho40's service worker, served at /vendors/sw.js: keeps the onboarding form and the files it
   loads on the phone, so an agent can fill it in with no network. Submissions are not handled
   here: the page queues them in IndexedDB and sends them with their idempotency keys. */
'use strict';
var CACHE = 'cho40-onboarding-v1';
var FORM = new URL('new', self.registration.scope).pathname;  // /vendors/new

self.addEventListener('install', function () { self.skipWaiting(); });

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf('cho40-onboarding-') === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// Only a real form page is kept: not the login page a lapsed session is redirected to.
function keepPage(cache, response) {
  if (response.ok && !response.redirected) return cache.put(FORM, response.clone());
  return Promise.resolve();
}

// The page says what it loaded; the worker keeps a copy and answers once it has.
self.addEventListener('message', function (event) {
  var urls = (event.data && event.data.cache) || [];
  var port = event.ports[0];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      var path = new URL(url, self.location.href);
      if (path.origin !== self.location.origin) return null;
      // Kept once here; later visits refresh the copy as they pass through the worker.
      return cache.match(path.pathname).then(function (hit) {
        if (hit) return null;
        if (path.pathname !== FORM) return cache.add(path.pathname);
        return fetch(FORM, {credentials: 'same-origin'}).then(function (r) { return keepPage(cache, r); });
      });
    }));
  }).then(function () { if (port) port.postMessage('cached'); }, function () {}));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === FORM) {
    // The network first, for a fresh form; the copy when there is none.
    event.respondWith(fetch(request).then(function (response) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return keepPage(cache, copy); });
      return response;
    }, function () {
      return caches.match(FORM).then(function (cached) { return cached || Response.error(); });
    }));
  } else if (url.pathname.indexOf('/static/') === 0) {
    // The copy first, as it costs no data; refreshed in the background for the next visit.
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname).then(function (cached) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok) cache.put(url.pathname, response.clone());
          return response;
        });
        if (!cached) return fresh;
        fresh.catch(function () {});
        return cached;
      });
    }));
  } else if (url.pathname === new URL('markets.json', self.registration.scope).pathname) {
    event.respondWith(fetch(request).then(function (response) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
      return response;
    }, function () {
      return caches.match(request).then(function (cached) { return cached || Response.error(); });
    }));
  }
});
