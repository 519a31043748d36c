/* Warns a few minutes before the server ends an idle session, on pages with a form.
   The 30-minute timeout itself stays (a security control on shared PCs); this only
   lets a person keep working — one click asks the server to count them as active —
   and tells them, once it has ended, that a form sent now is kept for after they
   sign in again. Written for old browsers: ES5, no fetch. Without JavaScript the
   banner stays hidden and nothing else changes. */
(function () {
  var body = document.body;
  var banner = document.getElementById('session-warning');
  var seconds = parseInt(body.getAttribute('data-idle-seconds'), 10);
  if (!banner || !seconds || !document.querySelector('main form[method="post"], main form[method="POST"]')) {
    return;
  }
  var text = banner.querySelector('.session-warning-text');
  var button = banner.querySelector('button');
  var warnBefore = seconds >= 600 ? 300 : seconds / 2;
  var warnTimer = null, endTimer = null;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    banner.hidden = true;
    warnTimer = setTimeout(warn, (seconds - warnBefore) * 1000);
    endTimer = setTimeout(ended, seconds * 1000);
  }
  function warn() {
    text.textContent = banner.getAttribute('data-warning');
    button.hidden = false;
    banner.hidden = false;
  }
  function ended() {
    clearTimeout(warnTimer);
    text.textContent = banner.getAttribute('data-ended');
    button.hidden = true;
    banner.hidden = false;
  }
  button.addEventListener('click', function () {
    var request = new XMLHttpRequest();
    request.open('GET', banner.getAttribute('data-alive-url'));
    request.onload = function () {
      if (request.status === 204) { schedule(); } else { ended(); }
    };
    request.onerror = ended;
    request.send();
  });
  // Any htmx request counts as activity on the server: start the count again.
  body.addEventListener('htmx:afterRequest', schedule);
  schedule();
})();
