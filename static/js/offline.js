/* The phone without signal (docs/phone.md, "No signal, no loss"), on the pages of a
   signed-in worker: registers the service worker (sw.js), shows "待上传 N 条" and the
   note on a page kept on the phone, sends what waits when the signal is back, lists
   the entries on /offline/, and empties the phone at 退出. Texts come from the page
   (#offline-bar in base.html). Without JavaScript, or service workers, nothing. */
(function () {
  'use strict';
  var bar = document.getElementById('offline-bar');
  if (!bar || !window.Promise || !window.indexedDB || !('serviceWorker' in navigator)) { return; }
  var user = parseInt(bar.getAttribute('data-user'), 10), Q = GridbookQueue;
  function text(name, n) { return (bar.getAttribute('data-' + name) || '').replace('{n}', n); }
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function when(iso) { var d = new Date(iso); return (d.getMonth() + 1) + '-' + d.getDate() + ' ' + two(d.getHours()) + ':' + two(d.getMinutes()); }

  function badge() {
    return Q.mine(user).then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === 'waiting'; }).length;
      var link = document.getElementById('queue-badge');
      var words = [];
      if (waiting) { words.push(text('waiting', waiting)); }
      if (entries.length - waiting) { words.push(text('attention', entries.length - waiting)); }
      link.textContent = words.join(' · ');
      link.hidden = !entries.length;
      list(entries);
      return entries;
    });
  }
  function send() { if (navigator.onLine !== false) { Q.send().then(badge); } }

  // The account signed in on this phone: another one's kept pages go (its entries stay
  // theirs, sent only when they sign in again).
  Q.user().then(function (before) {
    var ready = before === user ? Promise.resolve() : caches['delete']('gridbook-pages').then(function () { return Q.user(user); });
    return ready;
  }).then(function () {
    navigator.serviceWorker.register(bar.getAttribute('data-worker'), { scope: '/' }).then(function (reg) {
      return reg.sync && Q.mine(user).then(function (e) { return e.length && reg.sync.register('gridbook-queue'); });
    })['catch'](function () {});
    badge().then(send);
  });
  window.addEventListener('online', send);

  // A page kept on the phone, shown without signal: say from when; a date field still
  // holding that day's default takes today's.
  var note = document.getElementById('offline-note');
  var saved = note && parseInt(note.getAttribute('data-saved-at'), 10);
  if (saved) {
    var at = new Date(saved), today = new Date();
    note.textContent = text('note', '').replace('{time}', two(at.getHours()) + ':' + two(at.getMinutes()));
    note.hidden = false;
    var day = function (d) { return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()); };
    if (day(at) !== day(today)) {
      Array.prototype.forEach.call(document.querySelectorAll('form[method=post] input[type=date]'), function (input) {
        if (input.value === day(at)) { input.value = day(today); }
      });
    }
  }

  // 退出: say what would be lost, then empty the phone (the server's answer also
  // carries Clear-Site-Data).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!/\/logout$/.test(form.getAttribute('action') || '') || form.getAttribute('data-emptied')) { return; }
    event.preventDefault();
    Q.mine(user).then(function (entries) {
      if (entries.length && !window.confirm(text('logout', entries.length))) { return null; }
      return Promise.all([Q.clear(), caches['delete']('gridbook-pages')]).then(function () {
        form.setAttribute('data-emptied', '1');
        form.submit();
      });
    });
  }, true);

  // /offline/: the entries, each with when it was entered; a refused one opens as the
  // server answered it — the filled form with its message.
  var params = location.search;
  ['saved', 'missing'].forEach(function (name) {
    var shown = document.getElementById('offline-' + name);
    if (shown) { shown.hidden = params.indexOf(name + '=') < 0; }
  });
  function list(entries) {
    var waiting = document.getElementById('queue-waiting'), attention = document.getElementById('queue-attention');
    if (!waiting) { return; }
    waiting.textContent = attention.textContent = '';
    entries.forEach(function (e) {
      var item = document.createElement('li'), words = '';
      e.fields.forEach(function (f) {
        if (!words && /^(content|description|found|route|note)$/.test(f[0]) && f[1]) { words = String(f[1]).slice(0, 40); }
      });
      item.textContent = text('entered', '').replace('{time}', when(e.enteredAt)) + ' ' + words + ' ';
      if (e.state === 'attention') {
        item.appendChild(button(text('open', ''), function () {
          document.open();
          document.write(e.html);
          document.close();
          history.replaceState(null, '', e.page || e.url);
        }));
        item.appendChild(button(text('delete', ''), function () {
          if (window.confirm(text('delete-confirm', ''))) { Q.remove(e.id).then(badge); }
        }));
      }
      (e.state === 'attention' ? attention : waiting).appendChild(item);
    });
  }
  function button(label, act) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', act);
    return b;
  }
  var now = document.getElementById('queue-send');
  if (now) { now.addEventListener('click', send); }
})();
