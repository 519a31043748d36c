/* The phone's position on a field record (templates/_location.html, docs/phone.md).
   The 记录位置 button is shown only where the browser can locate; the position is
   asked for only when the person presses it (the browser asks permission then), and
   fills the form's hidden inputs. Refused or unavailable: the inputs stay empty and
   the record saves without a position. ES5, as app.js. */
(function () {
  var NAMES = ['latitude', 'longitude', 'accuracy', 'located_at'];

  function show(root) {
    if (!navigator.geolocation || !root.querySelectorAll) { return; }
    var boxes = root.querySelectorAll('.locate[hidden]');
    for (var i = 0; i < boxes.length; i++) { boxes[i].hidden = false; }
  }
  document.addEventListener('DOMContentLoaded', function () { show(document); });
  document.addEventListener('htmx:load', function (event) { show(event.target); });

  function fill(button, values) {
    var prefix = button.getAttribute('data-locate') || button.getAttribute('data-unlocate') || '';
    for (var i = 0; i < NAMES.length; i++) {
      var input = button.form && button.form.elements[prefix + NAMES[i]];
      if (input) { input.value = values ? values[i] : ''; }
    }
    var clear = button.parentNode.querySelector('[data-unlocate]');
    if (clear) { clear.hidden = !values; }
  }

  document.addEventListener('click', function (event) {
    var button = event.target;
    if (button.nodeType !== 1 || button.tagName !== 'BUTTON') { button = button.parentNode; }
    if (!button || !button.hasAttribute) { return; }
    var box = button.parentNode, note = box.parentNode.querySelector('.locate-note');
    if (button.hasAttribute('data-unlocate')) {
      fill(button, null);
      note.textContent = '';
      return;
    }
    if (!button.hasAttribute('data-locate')) { return; }
    button.disabled = true;
    note.textContent = box.getAttribute('data-asking');
    navigator.geolocation.getCurrentPosition(function (found) {
      var c = found.coords, metres = Math.round(c.accuracy);
      fill(button, [c.latitude.toFixed(7), c.longitude.toFixed(7), String(metres),
        new Date(found.timestamp || Date.now()).toISOString()]);
      note.textContent = box.getAttribute('data-done').replace('{n}', metres);
      button.disabled = false;
    }, function () {
      fill(button, null);
      note.textContent = box.getAttribute('data-refused');
      button.disabled = false;
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }, false);
})();
