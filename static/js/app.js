/* The page behaviour that used to sit in inline handlers (onclick=, hx-on), moved
   here so that the Content-Security-Policy allows scripts from the app's own files
   only (app/core/security.py). Written for old browsers: ES5, no Element.closest.
   Without JavaScript every form still works: the question is not asked, Enter in the
   back-entry sheet sends the whole sheet. */
(function () {
  function ancestor(node, test) {
    while (node && node.nodeType === 1) {
      if (test(node)) { return node; }
      node = node.parentNode;
    }
    return null;
  }
  function hasClass(node, name) {
    return (' ' + (node.className || '') + ' ').indexOf(' ' + name + ' ') >= 0;
  }

  // A button with data-confirm asks first (post_button(confirm=…) in _macros.html).
  document.addEventListener('click', function (event) {
    var button = ancestor(event.target, function (node) { return node.hasAttribute('data-confirm'); });
    if (button && !window.confirm(button.getAttribute('data-confirm'))) {
      event.preventDefault();
    }
  }, false);

  // The visit back-entry sheet (visits/entry.html): Enter in a row not yet saved
  // sends that row alone (its hx-trigger is "save-row") instead of the whole sheet.
  function isOpenEntryRow(node) {
    return node.tagName === 'TR' && hasClass(node, 'entry-row') && node.hasAttribute('hx-post');
  }
  document.addEventListener('keydown', function (event) {
    var enter = event.key === 'Enter' || event.keyCode === 13;
    if (!enter || !window.htmx) { return; }
    var row = ancestor(event.target, isOpenEntryRow);
    if (row) {
      event.preventDefault();
      window.htmx.trigger(row, 'save-row');
    }
  }, false);

  // An htmx request that fails swaps nothing, so the form keeps what was typed; but
  // without a word the person would think it saved. Say so above the form (or the
  // row's form), in the page's language: the texts come from <body data-htmx-…>
  // (base.html), {code} replaced by the server's status — or, where the server says
  // what went wrong (busy, disk full: the X-Error-Message header, percent-encoded
  // UTF-8), its own words. The next request that succeeds takes the notice away.
  function failureNotice(source, text) {
    var form = ancestor(source, function (node) { return node.tagName === 'FORM'; }) || source;
    if (!form || !form.parentNode || !text) { return; }
    var note = form.previousSibling;
    if (!note || note.nodeType !== 1 || !hasClass(note, 'htmx-failure')) {
      note = document.createElement('p');
      note.className = 'flash flash-error htmx-failure';
      note.setAttribute('role', 'alert');
      form.parentNode.insertBefore(note, form);
    }
    note.textContent = text;
  }
  function clearNotice(source) {
    var form = ancestor(source, function (node) { return node.tagName === 'FORM'; }) || source;
    var note = form && form.previousSibling;
    if (note && note.nodeType === 1 && hasClass(note, 'htmx-failure')) { note.parentNode.removeChild(note); }
  }
  document.addEventListener('htmx:responseError', function (event) {
    var xhr = event.detail.xhr;
    var status = xhr ? String(xhr.status) : '';
    var text = (document.body.getAttribute('data-htmx-failed') || '').replace('{code}', status);
    var told = xhr && xhr.getResponseHeader('X-Error-Message');
    if (told) {
      try { text = decodeURIComponent(told); } catch (ignored) { /* keep the general text */ }
    }
    failureNotice(event.detail.elt, text);
  }, false);
  document.addEventListener('htmx:sendError', function (event) {
    failureNotice(event.detail.elt, document.body.getAttribute('data-htmx-offline'));
  }, false);
  document.addEventListener('htmx:afterRequest', function (event) {
    if (event.detail.successful) { clearNotice(event.detail.elt); }
  }, false);

  // After a row comes back from the server, the cursor goes to the first field
  // marked wrong, else to the first row not yet saved.
  document.addEventListener('htmx:load', function (event) {
    var form = ancestor(event.target, function (node) { return node.id === 'entry-form'; });
    if (!form) { return; }
    var field = form.querySelector('.entry-row [aria-invalid=true]') ||
                form.querySelector('.entry-row:not(.saved) select');
    if (field) { field.focus(); }
  }, false);
})();
