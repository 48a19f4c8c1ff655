/* Issue 15: the conversation pages' file field: previews of the chosen files, and the
 * upload with a progress bar. Without this script the form posts as any form does.
 * Every text shown comes from the page or the files' own names (as textContent). */
(function () {
  "use strict";
  document.querySelectorAll("form.plonesocial-send").forEach(function (form) {
    var input = form.querySelector("input[type=file][name=attachments]");
    if (!input) { return; }
    var box = form.querySelector(".plonesocial-upload");
    var previews = box.querySelector(".plonesocial-previews");
    var progress = box.querySelector(".plonesocial-progress");
    var urls = [];

    input.addEventListener("change", function () {
      urls.forEach(function (url) { URL.revokeObjectURL(url); });
      urls = [];
      previews.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var li = document.createElement("li");
        if (/^image\/(png|jpeg|gif|webp)$/.test(file.type)) {
          var img = document.createElement("img");
          var url = URL.createObjectURL(file);
          urls.push(url);
          img.src = url;
          img.alt = file.name;
          li.appendChild(img);
        }
        var name = document.createElement("span");
        name.className = "small";
        name.textContent = file.name;
        li.appendChild(name);
        previews.appendChild(li);
      });
    });

    form.addEventListener("submit", function (event) {
      if (!input.files || !input.files.length || !window.FormData) { return; }
      var submitter = event.submitter;
      event.preventDefault();
      var data = new FormData(form);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value || "1"); }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      progress.hidden = false;
      progress.value = 0;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { progress.value = Math.round(100 * e.loaded / e.total); }
      });
      xhr.addEventListener("load", function () {
        progress.value = 100;
        if (xhr.status < 400 && xhr.responseURL) {
          window.location.assign(xhr.responseURL);
        } else {
          // The page with the refusal, as a plain form post would have shown it.
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () { progress.hidden = true; form.submit(); });
      xhr.send(data);
    });
  });
})();
