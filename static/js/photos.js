/* Photos from a phone's camera are 3–8 MB; over 4G in a village that is a minute.
   A form whose photo inputs carry data-scale is sent by this script instead: each
   photo is drawn again at most 1600 px on its long side as a JPEG (a few hundred KB)
   and the form goes with a progress bar. The server checks and re-encodes every photo
   as before. Without JavaScript, or in a browser without canvas.toBlob, the form is
   sent as it is. */
(function () {
  "use strict";
  var LONG_SIDE = 1600;

  function smaller(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png)$/.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      image.onload = function () {
        URL.revokeObjectURL(url);
        var scale = Math.min(1, LONG_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
        if (scale === 1 && file.size < 1024 * 1024) { resolve(file); return; }
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(image.naturalWidth * scale);
        canvas.height = Math.round(image.naturalHeight * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          // Keep the original when drawing it again made it no smaller.
          resolve(blob && blob.size < file.size
            ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.85);
      };
      image.src = url;
    });
  }

  function show(html, url) {
    // The answer is a whole page (the record saved, or the form with its messages).
    document.open();
    document.write(html);
    document.close();
    if (url && url.indexOf(location.origin) === 0) { history.replaceState(null, "", url); }
  }

  function send(form, submitter, inputs) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var bar = form.querySelector("progress.upload-progress");
    var note = form.querySelector(".upload-note");
    var buttons = form.querySelectorAll("button, input[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    if (note) { note.textContent = note.getAttribute("data-preparing"); note.hidden = false; }
    Promise.all(inputs.map(function (input) {
      return Promise.all(Array.prototype.map.call(input.files, smaller));
    })).then(function (lists) {
      inputs.forEach(function (input, i) {
        data.delete(input.name);
        lists[i].forEach(function (file) { data.append(input.name, file, file.name); });
      });
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.onprogress = function (event) {
        if (!event.lengthComputable) { return; }
        if (bar) { bar.hidden = false; bar.max = event.total; bar.value = event.loaded; }
        if (note) {
          note.textContent = note.getAttribute("data-sending")
            .replace("{percent}", Math.round(100 * event.loaded / event.total));
        }
      };
      request.onload = function () { show(request.responseText, request.responseURL); };
      request.onerror = function () {
        buttons.forEach(function (b) { b.disabled = false; });
        if (bar) { bar.hidden = true; }
        if (note) { note.textContent = document.body.getAttribute("data-htmx-offline"); }
      };
      request.send(data);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.Promise || !window.FormData || !HTMLCanvasElement.prototype.toBlob) { return; }
    var inputs = Array.prototype.filter.call(
      form.querySelectorAll("input[type=file][data-scale]"), function (i) { return i.files.length; });
    if (!inputs.length || event.defaultPrevented) { return; }
    // Before htmx's own handler on the form: this request replaces it.
    event.preventDefault();
    event.stopImmediatePropagation();
    send(form, event.submitter, inputs);
  }, true);
})();
