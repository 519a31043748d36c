/* Warns a few minutes before the server ends an idle session, on pages with a form,
   and before the session's absolute lifetime (12 hours from sign-in) runs out — which
   no click can extend, so that warning only asks to save.
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
  var lifetimeLeft = parseInt(body.getAttribute('data-session-seconds-left'), 10);
  var lifetimeWarnBefore = 600;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    if (lifetimeLeft === -1) { return; }  // the lifetime warning is showing: keep it
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
  // The lifetime is counted from this page's load; the server decides, this only warns.
  if (lifetimeLeft >= 0 && !isNaN(lifetimeLeft)) {
    setTimeout(function () {
      lifetimeLeft = -1;  // from now on, the idle warnings give way to this one
      clearTimeout(warnTimer);
      text.textContent = banner.getAttribute('data-lifetime-warning');
      button.hidden = true;
      banner.hidden = false;
    }, Math.max(0, lifetimeLeft - lifetimeWarnBefore) * 1000);
    setTimeout(function () {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      text.textContent = banner.getAttribute('data-lifetime-ended');
      button.hidden = true;
      banner.hidden = false;
    }, lifetimeLeft * 1000);
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
