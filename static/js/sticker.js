/* Reading a trader's QR sticker on the phone itself: the browser's BarcodeDetector where it has
   one, else the decoder served by this site (static/vendor/qr-scanner) in a Web Worker, started
   only when a photo is taken. No network is needed to find the code; what it pays is then asked
   of the server (qr/payload_read.py holds the rules), or, with no network, read here just far
   enough to fill in a bank account, which the server checks again when the registration is sent. */
(function () {
  'use strict';

  var worker = null, asked = 0, answers = {};

  function workerDecode(url, image) {
    if (!worker) {
      worker = new Worker(url);
      worker.onmessage = function (event) {
        var done = answers[event.data.id];
        delete answers[event.data.id];
        if (done) done(event.data.data || null);
      };
    }
    var id = ++asked;
    return new Promise(function (resolve) {
      answers[id] = resolve;
      worker.postMessage({id: id, type: 'decode', data: image});
    });
  }

  function pixels(bitmap, side) {
    var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
    var context = canvas.getContext('2d', {willReadFrequently: true});
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  }

  function detect(bitmap) {
    if (!('BarcodeDetector' in window)) return Promise.resolve(undefined);
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf('qr_code') < 0) return undefined;
      return new window.BarcodeDetector({formats: ['qr_code']}).detect(bitmap).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    }).catch(function () { return undefined; });
  }

  // The text of the QR code in a photo, or null when none is found on the phone.
  function read(file, decoderUrl) {
    if (!window.createImageBitmap || !window.Worker) return Promise.resolve(null);
    return createImageBitmap(file).then(function (bitmap) {
      return detect(bitmap).then(function (found) {
        if (found !== undefined) return found;
        // A sticker usually fills a good part of the picture: a small copy is read fastest,
        // a larger one finds a code that is further away.
        var sides = [1000, 1800];
        var attempt = function (i) {
          if (i >= sides.length) return null;
          return workerDecode(decoderUrl, pixels(bitmap, sides[i])).then(function (text) {
            return text || attempt(i + 1);
          });
        };
        return attempt(0);
      });
    }).catch(function () { return null; });
  }

  // --- Without a network: the bank account of a NAPAS 247 transfer code, nothing more --------

  function crc(text) {
    var bytes = new TextEncoder().encode(text), value = 0xFFFF;
    for (var i = 0; i < bytes.length; i++) {
      value ^= bytes[i] << 8;
      for (var bit = 0; bit < 8; bit++) value = value & 0x8000 ? (value << 1) ^ 0x1021 : value << 1;
      value &= 0xFFFF;
    }
    return (value + 0x10000).toString(16).slice(1).toUpperCase();
  }

  // EMVCo data objects: a two-digit ID, a two-digit length, then the value. null if malformed.
  function fields(text) {
    var found = {}, at = 0;
    while (at < text.length) {
      var id = text.substr(at, 2), size = text.substr(at + 2, 2);
      if (!/^\d\d$/.test(id) || !/^\d\d$/.test(size) || id in found) return null;
      found[id] = text.substr(at + 4, +size);
      if (found[id].length !== +size) return null;
      at += 4 + +size;
    }
    return found;
  }

  // {bin, account} of a plain transfer to a bank account or card, or null for anything the
  // server must judge (a wallet's code, another network, a damaged code). `rules` come from
  // the server: the NAPAS GUID and the marks of a wallet's code.
  function transfer(payload, rules) {
    if (payload.indexOf('000201') !== 0 || payload.length < 8) return null;
    var body = payload.slice(0, -4);
    if (body.slice(-4) !== '6304' || crc(body) !== payload.slice(-4).toUpperCase()) return null;
    var root = fields(payload);
    if (!root || root['53'] !== '704' || root['58'] !== 'VN' || !root['01']) return null;
    for (var tag = 26; tag <= 51; tag++) {
      var template = root[String(tag)] && fields(root[String(tag)]);
      if (!template || template['00'] !== rules.napas_guid) continue;
      var beneficiary = template['01'] && fields(template['01']);
      if (!beneficiary) return null;
      var bin = beneficiary['00'] || '', account = beneficiary['01'] || '';
      var additional = root['62'] && fields(root['62']) || {};
      var reference = additional['05'] || '';
      var wallet = rules.wallet_bins.indexOf(bin) >= 0 ||
        rules.wallet_account_prefixes.some(function (p) { return p[0] === bin && account.indexOf(p[1]) === 0; }) ||
        rules.wallet_reference_prefixes.some(function (p) { return reference.indexOf(p) === 0; });
      if (wallet || !/^\d{6}$/.test(bin) || !/^\d{1,19}$/.test(account)) return null;
      if (rules.services.indexOf(template['02']) < 0) return null;
      return {bin: bin, account: account};
    }
    return null;
  }

  window.cho40Sticker = {read: read, transfer: transfer};
})();
