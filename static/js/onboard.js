/* The onboarding form on a phone: market search as you type, the market's stalls offered as a
   code is typed (and the question about a near one answered), reading the trader's QR sticker,
   one submission per idempotency key, and a queue on the device for when the network is gone.
   Without this script the form still works as a plain POST. */
(function () {
  'use strict';
  var form = document.getElementById('onboard');
  if (!form || !window.fetch || !window.Promise) return;
  var T = JSON.parse(document.getElementById('onboard-text').textContent);
  var RULES = JSON.parse(document.getElementById('sticker-rules').textContent);
  var el = form.elements;
  var submit = document.getElementById('register');
  var formError = document.getElementById('form-error');
  var statusLine = document.getElementById('status');
  var busy = false;
  var sent = [];
  form.classList.add('js');

  function t(name, values) {
    return T[name].replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  // A fresh key per registration; the page may come from the offline cache with a spent one.
  function newKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }
  el.idempotency_key.value = newKey();

  // --- Errors beside the fields ---------------------------------------------------------------

  function clearErrors() {
    form.querySelectorAll('.field-error').forEach(function (p) { p.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach(function (f) { f.removeAttribute('aria-invalid'); });
    formError.textContent = '';
    statusLine.textContent = '';
  }

  function showErrors(errors) {
    var first = null, general = [];
    Object.keys(errors).forEach(function (name) {
      var text = [].concat(errors[name]).join(' ');
      var slot = document.getElementById(name + '-error');
      if (!slot || name === 'duplicate') { if (name !== 'duplicate') general.push(text); return; }
      slot.textContent = text;
      var field = document.getElementById(name) || slot.closest('fieldset');
      field.setAttribute('aria-invalid', 'true');
      first = first || field;
    });
    formError.textContent = general.join(' ');
    var target = general.length ? formError : first;
    if (target) { target.focus(); target.scrollIntoView({block: 'center'}); }
  }

  function showDuplicates(rows, message) {
    var box = document.getElementById('duplicates');
    var list = document.getElementById('duplicate-list');
    document.getElementById('duplicate-error').textContent = message;
    list.textContent = '';
    rows.forEach(function (row) {
      // A vendor outside the agent's area comes without its name: only its number is shown.
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = form.dataset.vendorUrl.replace(/0$/, row.vendor_id);
      a.target = '_blank'; a.rel = 'noopener';
      a.textContent = row.name || t('outside_vendor', {id: row.vendor_id});
      li.append(a, (row.market_name ? ' · ' + row.market_name : '') + ' · ' +
                t('duplicate_summary', {what: row.reasons.join(', ')}));
      list.append(li);
    });
    box.hidden = false;
    box.scrollIntoView({block: 'center'});
  }

  // What the device can check without the server, so a queued registration is likely to pass.
  function checkLocally() {
    var errors = {};
    if (!el.market_id.value) errors.market_id = T.need_market;
    if (el.name.value.trim().length < 2) errors.name = T.need_name;
    var phone = el.phone.value.replace(/[\s.\-()]/g, '');
    if (phone && !/^(\+84|84|0)[1-9][0-9]{8,9}$/.test(phone)) errors.phone = T.bad_phone;
    if (Object.keys(errors).length) { showErrors(errors); return false; }
    return true;
  }

  // --- Sending, and the queue on the device ---------------------------------------------------

  function fieldsOf() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === 'string' && name !== 'market_q') pairs.push([name, value]);
    });
    return pairs;
  }

  function send(fields, key) {
    // form.action would be the buttons named "action": forms expose their fields as properties.
    return fetch(form.getAttribute('action'), {
      method: 'POST', credentials: 'same-origin', body: new URLSearchParams(fields),
      headers: {'Accept': 'application/json', 'Idempotency-Key': key}
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        // A login page instead of JSON: the session has ended.
        return {status: response.status, ok: response.ok && !!body.vendor_id, login: response.ok && !body.vendor_id, body: body};
      });
    });
  }

  var dbPromise = null;
  function store(mode, action) {
    dbPromise = dbPromise || new Promise(function (resolve, reject) {
      var open = indexedDB.open('cho40-onboarding', 1);
      open.onupgradeneeded = function () { open.result.createObjectStore('queue', {keyPath: 'key'}); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction('queue', mode);
        var request = action(tx.objectStore('queue'));
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  var queue = {
    all: function () { return store('readonly', function (s) { return s.getAll(); }); },
    put: function (item) { return store('readwrite', function (s) { return s.put(item); }); },
    remove: function (key) { return store('readwrite', function (s) { return s.delete(key); }); }
  };

  function messageOf(result) {
    var errors = result.body.errors;
    if (errors) return Object.keys(errors).map(function (k) { return [].concat(errors[k]).join(' '); }).join(' ');
    return result.body.description || result.body.message || T.failed_generic;
  }

  function render() {
    return queue.all().then(function (items) {
      var list = document.getElementById('queue-list');
      list.textContent = '';
      items.concat(sent).forEach(function (item) {
        var li = document.createElement('li');
        li.dataset.state = item.state;
        li.append(item.label);
        var state = document.createElement('b');
        state.textContent = T[item.state];
        li.append(state);
        if (item.state === 'sent') {
          var a = document.createElement('a'); a.href = item.url; a.textContent = T.view; li.append(a);
        } else if (item.state === 'failed') {
          var why = document.createElement('span'); why.textContent = item.message;
          var edit = document.createElement('button'); edit.type = 'button'; edit.textContent = T.edit;
          edit.onclick = function () { reopen(item); };
          li.append(why, edit);
        }
        list.append(li);
      });
      document.getElementById('queue').hidden = !list.children.length;
    });
  }

  function enqueue(fields, key) {
    var name = el.name.value.trim();
    var market = el.market_id.selectedOptions[0];
    var item = {key: key, fields: fields, state: 'pending', queuedAt: Date.now(), user: form.dataset.user,
                label: name + (market && market.value ? ' · ' + market.textContent.split(' · ')[0] : '')};
    return queue.put(item).then(function () {
      // Ready for the next trader at the same market, with a key of its own.
      var marketId = el.market_id.value;
      form.reset();
      hideStalls(); clearStallQuestion();
      el.market_id.value = marketId;
      el.wallet_payload.value = '';
      document.getElementById('duplicates').hidden = true;
      el.idempotency_key.value = newKey();
      statusLine.textContent = t('queued', {name: name});
      return render();
    });
  }

  function reopen(item) {
    item.fields.forEach(function (pair) {
      var field = el[pair[0]];
      if (!field || pair[0] === 'csrf_token' || pair[0] === 'idempotency_key') return;
      if (field.type === 'checkbox') field.checked = true; else field.value = pair[1];
    });
    el.idempotency_key.value = newKey();
    queue.remove(item.key).then(render);
    formError.textContent = item.message;
    formError.focus();
  }

  var syncing = false;
  function sync() {
    if (syncing) return Promise.resolve();
    if (!navigator.onLine) return render();
    syncing = true;
    return queue.all().then(function (items) {
      var next = function (i) {
        var item = items[i];
        if (!item) return;
        // Each agent's registrations go with their own login, never with whoever is next.
        if (item.state !== 'pending' || item.user !== form.dataset.user) return next(i + 1);
        return send(item.fields, item.key).then(function (result) {
          if (result.ok) {
            sent.push({label: item.label, state: 'sent', url: result.body.redirect});
            return queue.remove(item.key).then(function () { return next(i + 1); });
          }
          // Too many at once (429): not the registration's fault; it waits for the next try.
          if (result.status >= 400 && result.status < 500 && result.status !== 429) {
            item.state = 'failed'; item.message = messageOf(result);
            return queue.put(item).then(function () { return next(i + 1); });
          }
          if (result.login) statusLine.textContent = T.login;
          // The server is in trouble or wants a login: try again later.
        }, function () { /* still no network: try again later */ });
      };
      return next(0);
    }).catch(function () {}).then(function () { syncing = false; return render(); });
  }
  window.addEventListener('online', sync);
  // Back from the confirmation page, the page may come from the browser's memory as it was.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    busy = false; submit.disabled = false; el.idempotency_key.value = newKey();
  });
  setInterval(sync, 30000);
  sync();

  form.addEventListener('submit', function (event) {
    var by = event.submitter;
    // "Dùng quầy C-07", from the page the server drew without script: that code, sent as usual.
    if (by && by.name === 'use_stall') pickStall(by.value);
    // "Go" on a phone keyboard submits with the form's first button, the market search:
    // that is a search only when typed in the search box.
    var implicit = by && document.activeElement !== by && document.activeElement !== el.market_q;
    if (by && by.value === 'find_market' && !implicit) { event.preventDefault(); findMarkets(); return; }
    if (by && by.name === 'action' && !implicit) return;
    event.preventDefault();
    if (busy) return;
    clearErrors(); hideStalls(); clearTimeout(stallTimer); stallAsked++;
    var key = el.idempotency_key.value, fields = fieldsOf();
    // Until an answer comes, a second tap sends nothing, and a retry would reuse this key.
    busy = true; submit.disabled = true;
    var done = function () { busy = false; submit.disabled = false; };
    if (!navigator.onLine) {
      if (checkLocally()) enqueue(fields, key).then(done, done); else done();
      return;
    }
    statusLine.textContent = T.sending;
    send(fields, key).then(function (result) {
      statusLine.textContent = '';
      if (result.ok) { location.assign(result.body.redirect); return true; }
      if (result.login) { formError.textContent = T.login; return; }
      var errors = result.body.errors || {};
      if (result.status === 409 && errors.idempotency_key) el.idempotency_key.value = newKey();
      if (result.body.duplicates && result.body.duplicates.length) {
        showDuplicates(result.body.duplicates, [].concat(errors.duplicate || []).join(' '));
      }
      if (result.body.errors) showErrors(errors); else formError.textContent = messageOf(result);
      if (result.body.stall_choices) askAboutStall(result.body);
    }, function () {
      // No answer: the server may or may not have it. Queue it with the same key, so
      // sending it again later registers the trader once either way.
      return enqueue(fields, key);
    }).then(function (leaving) { if (!leaving) done(); });
  });

  // --- Market search as you type --------------------------------------------------------------

  var timer = null;
  function findMarkets() {
    var select = el.market_id, chosen = select.value;
    return fetch(form.dataset.markets + '?q=' + encodeURIComponent(el.market_q.value), {
      headers: {'Accept': 'application/json'}, credentials: 'same-origin'
    }).then(function (r) { return r.json(); }).then(function (data) {
      select.textContent = '';
      select.append(new Option(T.pick_market, ''));
      data.markets.forEach(function (m) { select.append(new Option(m.name + ' · ' + m.ward, m.id)); });
      var ids = data.markets.map(function (m) { return String(m.id); });
      select.value = ids.length === 1 ? ids[0] : (ids.indexOf(chosen) >= 0 ? chosen : '');
      statusLine.textContent = ids.length ? t('markets_found', {n: ids.length}) : T.no_market;
    }).catch(function () { /* offline: keep the markets the page came with */ });
  }
  el.market_q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(findMarkets, 250); });

  // --- The market's stalls as a code is typed, and the question about a near one ---------------

  var stallOptions = document.getElementById('stall-options');
  var stallQuestion = document.getElementById('stall-question');
  var stallTimer = null, stallAsked = 0;
  el.stall_code.removeAttribute('list');  // the list under the field replaces the browser's

  function hideStalls() { stallOptions.hidden = true; stallOptions.textContent = ''; }
  function clearStallQuestion() { stallQuestion.hidden = true; stallQuestion.textContent = ''; }

  function pickStall(code) {
    el.stall_code.value = code;
    hideStalls(); clearStallQuestion();
    document.getElementById('stall_code-error').textContent = '';
    el.stall_code.removeAttribute('aria-invalid');
  }

  function stallButton(text, code, then) {
    var button = document.createElement('button');
    button.type = 'button'; button.textContent = text; button.dataset.code = code;
    button.addEventListener('click', function () { pickStall(code); then(); });
    return button;
  }

  function findStalls() {
    var typed = el.stall_code.value.trim(), market = el.market_id.value;
    if (!typed || !market) { hideStalls(); return; }
    var asked = ++stallAsked;
    fetch(form.dataset.stalls.replace(/\/0\/stalls\.json$/, '/' + market + '/stalls.json') +
          '?q=' + encodeURIComponent(typed), {headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.json() : {stalls: []}; })
      .then(function (data) {
        if (asked !== stallAsked) return;  // an answer to what was typed before
        stallOptions.textContent = '';
        data.stalls.slice(0, 8).forEach(function (stall) {
          var li = document.createElement('li');
          li.append(stallButton(stall.code + (stall.zone ? ' · ' + stall.zone : ''), stall.code,
                                function () { el.stall_code.focus(); }));
          stallOptions.append(li);
        });
        stallOptions.hidden = !data.stalls.length;
        if (data.stalls.length) statusLine.textContent = t('stalls_found', {n: data.stalls.length});
      }).catch(function () { /* offline: the code is typed in full */ });
  }
  el.stall_code.addEventListener('input', function () {
    clearStallQuestion();
    clearTimeout(stallTimer); stallTimer = setTimeout(findStalls, 200);
  });
  // The list stays until a stall is picked, the code cleared or the form sent: closing it when
  // another field takes the focus would move what is under the agent's finger mid-tap.
  el.market_id.addEventListener('change', hideStalls);

  // The server asks "Có phải quầy C-07?": use a stall it offers (sent again at once), or tick
  // that the code typed is a new stall and send again.
  function askAboutStall(body) {
    hideStalls(); clearStallQuestion();
    body.stall_choices.forEach(function (choice) {
      stallQuestion.append(stallButton(t('use_stall', {code: choice.code}) + (choice.zone ? ' · ' + choice.zone : ''),
                                       choice.code, function () { submit.click(); }));
    });
    if (body.new_stall_code) {
      var label = document.createElement('label'), box = document.createElement('input');
      label.className = 'check';
      box.type = 'checkbox'; box.name = 'confirm_new_stall'; box.value = '1';
      label.append(box, ' ' + t('new_stall', {code: body.new_stall_code}));
      stallQuestion.append(label);
    }
    stallQuestion.hidden = false;
  }

  // --- Reading the trader's QR sticker --------------------------------------------------------

  var scanStatus = document.getElementById('scan-status');
  var photoError = document.getElementById('photo-error');

  // A phone photo is several megabytes; a QR code reads as well from a 1600-pixel copy.
  function shrink(file) {
    if (!window.createImageBitmap || file.size < 600000) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, 'image/jpeg', 0.9);
      });
    }).catch(function () { return file; });
  }

  function offerWallet(wallet) {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = t('add_wallet', {name: wallet.name || wallet.provider});
    button.onclick = function () {
      el.wallet_provider.value = wallet.provider;
      el.wallet_payload.value = wallet.payload;
      document.getElementById('wallet-note').hidden = false;
      scanStatus.textContent = t('wallet_added', {name: wallet.name || wallet.provider});
      photoError.textContent = '';
      el.wallet_provider.focus();
    };
    scanStatus.textContent = '';
    scanStatus.append(button);
  }

  function askServer(name, value) {
    var body = new FormData();
    body.append('csrf_token', el.csrf_token.value);
    if (name === 'photo') body.append('photo', value, 'sticker.jpg'); else body.append(name, value);
    return fetch(form.dataset.scan, {method: 'POST', body: body, credentials: 'same-origin',
                                     headers: {'Accept': 'application/json'}}).then(function (r) {
      return r.json().then(function (data) { return {ok: r.ok, data: data}; });
    });
  }

  // With no network: a bank transfer code read on the phone, for a bank in the list.
  function readOffline(payload) {
    var found = window.cho40Sticker.transfer(payload, RULES);
    var bank = found && Array.prototype.find.call(el.bank_bin.options, function (o) { return o.value === found.bin; });
    if (!bank) return {ok: false, data: {message: T.scan_needs_network}};
    return {ok: true, offline: true, data: {bank_bin: found.bin, bank_name: bank.textContent.trim(),
                                            account_number: found.account}};
  }

  // The code is found on the phone when it can be (no photo sent, no network needed); what it
  // pays is asked of the server, or read here when there is no network. A photo the phone
  // cannot read goes to the server, whose decoder is stronger.
  function readSticker(file) {
    return window.cho40Sticker.read(file, document.documentElement.dataset.decoder).then(function (payload) {
      if (payload !== null) {
        if (!navigator.onLine) return readOffline(payload);
        return askServer('payload', payload).catch(function () { return readOffline(payload); });
      }
      if (!navigator.onLine) return {ok: false, data: {message: T.scan_offline}};
      return shrink(file).then(function (image) { return askServer('photo', image); })
        .catch(function () { return {ok: false, data: {message: T.scan_offline}}; });
    });
  }

  el.photo.addEventListener('change', function () {
    var file = el.photo.files[0];
    if (!file) return;
    photoError.textContent = ''; el.photo.removeAttribute('aria-invalid');
    scanStatus.textContent = T.reading;
    readSticker(file).then(function (result) {
      var data = result.data;
      if (result.ok) {
        el.bank_bin.value = data.bank_bin;
        el.account_number.value = data.account_number;
        scanStatus.textContent = t(result.offline ? 'scanned_offline' : 'scanned',
                                   {bank: data.bank_name, account: data.account_number});
        el.account_holder.focus();
        return;
      }
      scanStatus.textContent = '';
      photoError.textContent = data.message || data.description || T.failed_generic;
      el.photo.setAttribute('aria-invalid', 'true');
      if (data.wallet) offerWallet(data.wallet);
    }).then(function () { el.photo.value = ''; });
  });
})();
