/* Field forms kept on the phone without signal (docs/phone.md, "No signal, no loss"),
   in IndexedDB; used by the pages (offline.js) and the service worker (sw.js).
   An entry: {id, user, url, page, fields: [[name, value(, file name)]], once,
   enteredAt (ISO), state: 'waiting' | 'attention', html (the server's refusal)}.
   send() posts each waiting entry of the signed-in account with a fresh CSRF token
   and the time it was entered; its own one-time token makes the server save it once
   however often it is sent. Saved (a redirect) → removed; refused (a page with the
   form and its message) → kept for the person; no signal or a server error → kept. */
var GridbookQueue = (function () {
  'use strict';
  function open() {
    return new Promise(function (resolve, reject) {
      var r = indexedDB.open('gridbook', 1);
      r.onupgradeneeded = function () {
        r.result.createObjectStore('queue', { keyPath: 'id', autoIncrement: true });
        r.result.createObjectStore('meta');
      };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function run(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode), req = work(tx.objectStore(name)), result;
        if (req) { req.onsuccess = function () { result = req.result; }; }
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  var q = {
    all: function () { return run('queue', 'readonly', function (s) { return s.getAll(); }); },
    put: function (e) { return run('queue', 'readwrite', function (s) { return s.put(e); }); },
    remove: function (id) { return run('queue', 'readwrite', function (s) { return s['delete'](id); }); },
    clear: function () { return run('queue', 'readwrite', function (s) { s.clear(); }); },
    user: function (id) {  // the account signed in on this phone (set by the pages)
      return run('meta', id === undefined ? 'readonly' : 'readwrite', function (s) {
        return id === undefined ? s.get('user') : s.put(id, 'user');
      });
    },
    mine: function (user) {
      return q.all().then(function (all) { return all.filter(function (e) { return e.user === user; }); });
    }
  };
  // Keep a form sent without signal; the same rendered form twice (a double tap) once.
  q.keep = function (request) {
    return Promise.all([request.formData(), q.user(), q.all()]).then(function (got) {
      var fields = [], once = '';
      got[0].forEach(function (value, name) {
        fields.push(typeof value === 'string' ? [name, value] : [name, value, value.name]);
        if (name === '_once') { once = value; }
      });
      if (once && got[2].some(function (e) { return e.once === once; })) { return null; }
      return q.put({ user: got[1], url: request.url, page: request.referrer, fields: fields, once: once,
        enteredAt: new Date().toISOString(), state: 'waiting' });
    });
  };
  var sending = null;
  q.send = function () {
    if (sending) { return sending; }
    // Nothing waiting, nothing asked: no request on every page of a prepaid plan.
    sending = q.all().then(function (all) {
      if (!all.some(function (e) { return e.state === 'waiting'; })) { return null; }
      return fetch('/offline/token', { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok || r.redirected) { throw new Error('not signed in'); }
        return r.json();
      }).then(function (token) {
        return q.mine(token.user).then(function (entries) {
          return entries.filter(function (e) { return e.state === 'waiting'; }).reduce(function (done, e) {
            return done.then(function () { return post(e, token.csrf); });
          }, Promise.resolve());
        });
      });
    }).then(finish, finish);
    function finish() { sending = null; }
    return sending;
  };
  function post(entry, csrf) {
    var data = new FormData(), hasToken = false;
    entry.fields.forEach(function (f) {
      if (f[0] === 'csrf_token') { hasToken = true; data.append(f[0], csrf); }
      else if (f.length > 2) { data.append(f[0], f[1], f[2]); }
      else { data.append(f[0], f[1]); }
    });
    if (!hasToken) { data.append('csrf_token', csrf); }
    return fetch(entry.url, { method: 'POST', body: data, credentials: 'same-origin',
      headers: { 'X-Gridbook-Queued': '1', 'X-Gridbook-Entered-At': entry.enteredAt } }).then(function (r) {
      if (r.redirected && /^\/login\b/.test(new URL(r.url).pathname)) { throw new Error('signed out'); }
      if (r.redirected) { return q.remove(entry.id); }  // saved, or saved before (its token)
      if (r.status >= 500) { throw new Error('server'); }  // try again later
      return r.text().then(function (html) {
        entry.state = 'attention';
        entry.html = html;
        return q.put(entry);
      });
    });
  }
  return q;
})();
