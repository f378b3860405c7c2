/* cho40's service worker, served at /sw.js for the people who register traders at the stalls
   (static/js/offline.js registers it): keeps the site's files and the agent's pages on the
   phone, so that with no signal the form still opens, the sticker is still read, and the agent's
   markets, traders and placards can still be read. Registrations are not handled here: the form
   queues them in IndexedDB and sends them with their idempotency keys. */
'use strict';
var FILES = 'cho40-files-v2';  // the site's own files, the same for everyone
var PAGES = 'cho40-pages';     // the agent's pages and placards: emptied when nobody is logged in
var OLD = ['cho40-onboarding-v1'];
// With a copy on the phone, a network this slow to answer is not waited for.
var PATIENCE_MS = 5000;
// Pages worth keeping: the agent's lists and traders, the form, and placards.
var KEPT = [/^\/$/, /^\/offline$/, /^\/vendors\/(new)?$/, /^\/vendors\/\d+(\/registered)?$/,
            /^\/markets\/(\d+)?$/, /^\/qr\/vendors\/\d+\/(placard\.pdf|code\.(svg|png))$/,
            /^\/vendors\/markets(\/\d+\/stalls)?\.json$/];
// The list (a few hundred bytes) is asked for on every page, so a trader just registered is
// kept at once; pages already kept are fetched again at most this often (a trader's own page is
// refreshed whenever it is opened with a signal).
var REFRESH_MS = 5 * 60 * 1000;
var refreshedAt = 0, keeping = null;

self.addEventListener('install', function () { self.skipWaiting(); });

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return OLD.indexOf(name) >= 0 || (name.indexOf('cho40-files-') === 0 && name !== FILES);
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(url) {
  return KEPT.some(function (pattern) { return pattern.test(url.pathname); });
}

// Only the page itself: not the login page a lapsed session is sent to, nor an error.
function keepable(response) {
  return response.ok && !response.redirected && response.type === 'basic';
}

function keepPage(url) {
  return fetch(url, {credentials: 'same-origin'}).then(function (response) {
    if (!keepable(response)) return null;
    return caches.open(PAGES).then(function (cache) { return cache.put(url, response); });
  });
}

// The page names its files and the list of pages to keep (/vendors/offline.json); the worker
// fetches what it lacks, then answers, so the page can say it works offline.
self.addEventListener('message', function (event) {
  var data = event.data || {};
  var port = event.ports[0];
  var work;
  if (data.forget) {
    work = caches.delete(PAGES);
  } else {
    work = caches.open(FILES).then(function (files) {
      return Promise.all((data.files || []).map(function (address) {
        var url = new URL(address, self.location.href);
        if (url.origin !== self.location.origin) return null;
        return files.match(url.pathname + url.search).then(function (hit) {
          return hit || files.add(url.pathname + url.search);
        });
      }));
    }).then(function () {
      if (!data.list) return null;
      // Rounds run one after another: a page opened during a round does not fetch the same
      // pages a second time; its own round then only fetches what is new.
      keeping = (keeping || Promise.resolve()).then(function () {
        return keepListed(data.list).catch(function () {});
      });
      return keeping;
    });
  }
  event.waitUntil(work.catch(function () {}).then(function () { if (port) port.postMessage('kept'); }));
});

function keepListed(list) {
  return fetch(list, {credentials: 'same-origin'}).then(function (response) {
    if (!keepable(response)) return null;
    return Promise.all([response.json(), caches.open(PAGES)]).then(function (both) {
      var again = Date.now() - refreshedAt >= REFRESH_MS;
      if (again) refreshedAt = Date.now();
      // One at a time: a weak signal is shared with whatever the agent is doing.
      return both[0].pages.reduce(function (done, address) {
        return done.then(function () {
          return both[1].match(address).then(function (hit) {
            return hit && !again ? null : keepPage(address);
          });
        }).catch(function () {});
      }, Promise.resolve());
    });
  });
}

function fromNetworkFirst(request, url) {
  var key = url.pathname + url.search;
  var network = fetch(request).then(function (response) {
    if (kept(url) && keepable(response)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(key, copy); });
    }
    return response;
  });
  return caches.open(PAGES).then(function (cache) { return cache.match(key); }).then(function (copy) {
    var fallback = function () {
      if (copy) return copy;
      if (request.mode !== 'navigate') return Response.error();
      return caches.open(PAGES).then(function (cache) { return cache.match('/offline'); })
        .then(function (page) { return page || Response.error(); });
    };
    if (!copy) return network.catch(fallback);
    var slow = new Promise(function (resolve) { setTimeout(resolve, PATIENCE_MS, 'slow'); });
    return Promise.race([network, slow]).then(function (first) {
      if (first === 'slow') { network.catch(function () {}); return copy; }
      return first;
    }, fallback);
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf('/static/') === 0) {
    // The copy first, as it costs no data; refreshed in the background for the next visit.
    var key = url.pathname + url.search;
    event.respondWith(caches.open(FILES).then(function (cache) {
      return cache.match(key).then(function (copy) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok) cache.put(key, response.clone());
          return response;
        });
        if (!copy) return fresh;
        fresh.catch(function () {});
        return copy;
      });
    }));
  } else if (kept(url) || request.mode === 'navigate') {
    // Any page opened with no signal gets the copy kept, or the app's own "no network" page.
    event.respondWith(fromNetworkFirst(request, url));
  }
});
