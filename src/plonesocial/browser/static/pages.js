/* plonesocial's pages: the character counter, the recipient picker, delete confirmations.
 * Every text shown comes from the page (translated there); nothing here is user-visible prose. */
(function () {
  "use strict";
  document.querySelectorAll("textarea.plonesocial-text").forEach(function (area) {
    // The counter among what describes the box (the post box has a hint, no counter:
    // taking the hint for one threw here, and the rest of this script never ran).
    var counter = null;
    (area.getAttribute("aria-describedby") || "").split(/\s+/).forEach(function (id) {
      var element = id && document.getElementById(id);
      if (element && element.classList.contains("plonesocial-counter")) { counter = element; }
    });
    if (!counter) { return; }
    var max = counter.dataset.max;
    function show() {
      // Announce only near the limit: every keystroke would be noise to a screen reader.
      var near = area.value.length > max * 0.9;
      counter.setAttribute("aria-live", near ? "polite" : "off");
      counter.textContent = counter.dataset.template
        .replace("{count}", area.value.length).replace("{max}", max);
    }
    area.addEventListener("input", show);
    show();
  });

  var recipient = document.getElementById("recipient");
  var list = document.getElementById("plonesocial-people");
  if (recipient && list) {
    var timer = null;
    recipient.addEventListener("input", function () {
      clearTimeout(timer);
      var query = recipient.value.trim();
      if (query.length < 2) { return; }
      timer = setTimeout(function () {
        fetch(recipient.dataset.peopleUrl + "?q=" + encodeURIComponent(query),
              {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (people) {
            list.textContent = "";
            people.forEach(function (person) {
              var option = document.createElement("option");
              option.value = person.id;
              option.label = person.name;  // textContent and attributes: user text stays inert
              option.textContent = person.name;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 200);
    });
  }

  // Mentions (issue 16): typing @ and two letters offers the people the writer may
  // find (the same picker as for recipients); choosing one writes @userid.
  document.querySelectorAll("textarea.plonesocial-mentions").forEach(function (area) {
    var box = area.parentNode.querySelector(".plonesocial-suggestions");
    if (!box) {
      box = document.createElement("ul");
      box.className = "plonesocial-suggestions list-unstyled";
      box.hidden = true;
      area.insertAdjacentElement("afterend", box);
    }
    var timer = null;
    function word() {
      var before = area.value.slice(0, area.selectionStart);
      var match = /(^|\s)@([\w.-]{2,})$/.exec(before);
      return match ? match[2] : null;
    }
    function choose(userid) {
      var caret = area.selectionStart;
      var before = area.value.slice(0, caret).replace(/@[\w.-]*$/, "@" + userid + " ");
      area.value = before + area.value.slice(caret);
      area.focus();
      area.setSelectionRange(before.length, before.length);
      box.hidden = true;
    }
    area.addEventListener("input", function () {
      clearTimeout(timer);
      var query = word();
      if (!query) { box.hidden = true; return; }
      timer = setTimeout(function () {
        fetch(area.dataset.peopleUrl + "?q=" + encodeURIComponent(query),
              {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (people) {
            box.textContent = "";
            people.forEach(function (person) {
              var item = document.createElement("li");
              var button = document.createElement("button");
              button.type = "button";
              button.className = "btn btn-link btn-sm p-0";
              button.textContent = person.name + " (@" + person.id + ")";
              button.addEventListener("click", function () { choose(person.id); });
              item.appendChild(button);
              box.appendChild(item);
            });
            box.hidden = people.length === 0;
          })
          .catch(function () {});
      }, 200);
    });
  });

  // What cannot be undone asks first: a form's data-confirm, or its button's. The
  // browser's own dialog: focus moves to it, Enter confirms, Escape cancels. Delegated,
  // so that forms added later (realtime messages) ask too.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
