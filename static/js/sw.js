/* The phone's service worker (served as /sw.js by app/pwa.py; docs/phone.md, "No
   signal, no loss"). Field pages: from the network, a copy kept of those the server
   marks (X-Gridbook-Offline: page) and shown without signal or when the network is
   slower than PATIENCE_MS. Static files: the kept copy of that version. A field form
   sent without signal is kept (queue.js) and sent again when the signal is back.
   Nothing else is touched. */
importScripts('/static/js/queue.js');

var PAGES = 'gridbook-pages', STATIC = 'gridbook-static';
// Where the pages below may be (the server's mark decides which are kept).
var FIELD_PAGES = /^\/($|offline\/$|visits\/|patrols\/|opinions\/$|opinions\/reports\/new$|matters\/($|new$|\d+$))/;
// The field forms kept when sent without signal: new records only, never a workflow step.
var FIELD_FORMS = /^\/(visits\/households\/\d+\/new|patrols\/new|patrols\/\d+\/findings|opinions\/|opinions\/reports\/new|matters\/new)$/;

// A page fetched behind the person's back says so: it leaves the session's one-time
// messages ("已办结反馈") to the page the person is about to see. 退出 clears the
// site's storage, so each sign-in installs the worker afresh and this fetch races the
// person's first steps.
var BACKGROUND = { headers: { 'X-Gridbook-Background': '1' } };

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.add(new Request('/offline/', BACKGROUND)); })
    .then(function () { return self.skipWaiting(); }, function () { return self.skipWaiting(); }));
});
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener('sync', function (event) {
  if (event.tag === 'gridbook-queue') { event.waitUntil(GridbookQueue.send()); }
});

function token() {
  var bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '');
}

function keep(request) {
  return GridbookQueue.keep(request).then(function () {
    if (self.registration.sync) { self.registration.sync.register('gridbook-queue').catch(function () {}); }
    var target = '/offline/?saved=1';
    if (request.headers.get('HX-Request')) { return new Response('', { headers: { 'HX-Redirect': target } }); }
    return Response.redirect(target, 303);
  });
}

// A page slower than this (a weak signal) is shown from the kept copy, if there is
// one; the network's answer still replaces the copy when it comes.
var PATIENCE_MS = 8000;
// The session's one-time messages as base.html writes them (escaped text, no tags).
var FLASH = /<p class="flash flash-\w+" role="status">[^<]*<\/p>\n?/g;

function keptPage(request) {
  var path = new URL(request.url).pathname;
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request.url, { ignoreSearch: path === '/offline/' });
  }).then(function (kept) {
    return kept && kept.text().then(function (html) {
      // A fresh one-time token on each showing, as the server would give: two entries
      // made on one kept page are two records.
      return new Response(html.replace(/(name="_once" value=")[^"]*/g, function (all, start) { return start + token(); }),
        { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    });
  });
}

function page(request) {
  var network = fetch(request).then(function (response) {
    if (response.ok && response.headers.get('X-Gridbook-Offline') === 'page') {
      var copy = response.clone();
      copy.text().then(function (html) {
        // A one-time message shown with this page ("已上报") is not kept with it.
        html = html.replace(FLASH, '').replace('data-saved-at=""', 'data-saved-at="' + Date.now() + '"');
        return caches.open(PAGES).then(function (cache) {
          return cache.put(request.url, new Response(html,
            { headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
        });
      });
    }
    return response;
  });
  return new Promise(function (resolve) {
    var timer = setTimeout(function () {
      keptPage(request).then(function (kept) { if (kept) { resolve(kept); } });
    }, PATIENCE_MS);
    network.then(function (response) { clearTimeout(timer); resolve(response); }, function () {
      clearTimeout(timer);
      keptPage(request).then(function (kept) { resolve(kept || Response.redirect('/offline/?missing=1', 302)); });
    });
  });
}

// Static addresses carry their content's version (app/core/static_files.py): a kept
// copy is answered without asking; a new version replaces the old one's copy.
function staticFile(event) {
  var request = event.request, path = new URL(request.url).pathname;
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (kept) {
      return kept || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          event.waitUntil(cache.keys().then(function (keys) {
            return Promise.all(keys.filter(function (key) { return new URL(key.url).pathname === path; })
              .map(function (key) { return cache['delete'](key); }));
          }).then(function () { return cache.put(request, copy); }));
        }
        return response;
      });
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === 'POST') {
    if (!FIELD_FORMS.test(url.pathname) || request.headers.get('X-Gridbook-Queued')) { return; }
    var copy = request.clone();
    event.respondWith(fetch(request).catch(function () { return keep(copy); }));
  } else if (request.method === 'GET') {
    if (url.pathname.indexOf('/static/') === 0) {
      event.respondWith(staticFile(event));
    } else if ((request.mode === 'navigate' || url.pathname === '/offline/') && FIELD_PAGES.test(url.pathname)) {
      event.respondWith(page(request));
    }
  }
});
