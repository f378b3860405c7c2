/* Keeping pages on the phone for when the signal drops, for the people who register traders at
   the stalls (base.html gives them data-sw on <html>). Anyone else's pages, and everything once
   nobody is logged in, are removed from the phone: they hold names and phone numbers. */
(function () {
  'use strict';
  var root = document.documentElement;
  if (!('serviceWorker' in navigator) || !window.caches) return;

  if (!root.dataset.sw) {
    caches.delete('cho40-pages').catch(function () {});
    return;
  }

  // With no signal this page may be the copy kept on the phone: say so, and keep changes
  // from being sent into nothing (the registration form queues its own).
  var notice = document.getElementById('offline-notice');
  function showState() { if (notice) notice.hidden = navigator.onLine; }
  window.addEventListener('online', showState);
  window.addEventListener('offline', showState);
  showState();
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (event.defaultPrevented || navigator.onLine || form.method.toLowerCase() !== 'post') return;
    event.preventDefault();
    if (notice) { notice.hidden = false; notice.scrollIntoView({block: 'center'}); }
  });

  navigator.serviceWorker.register(root.dataset.sw, {scope: '/'}).then(function () {
    // The worker used to live at /vendors/sw.js; the one at the root now keeps those pages.
    navigator.serviceWorker.getRegistrations().then(function (registrations) {
      registrations.forEach(function (r) {
        if (new URL(r.scope).pathname !== '/') r.unregister();
      });
    });
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    var files = [];
    document.querySelectorAll('link[rel=stylesheet], script[src]').forEach(function (node) {
      files.push(node.href || node.src);
    });
    // The sticker decoder is needed offline before the camera is ever used.
    if (root.dataset.decoder) files.push(root.dataset.decoder);
    var channel = new MessageChannel();
    channel.port1.onmessage = function () { root.dataset.offlineReady = '1'; };
    registration.active.postMessage({files: files, list: root.dataset.offlineList}, [channel.port2]);
  }).catch(function () {});
})();
