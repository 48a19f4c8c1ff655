/* plonesocial's pages: the character counter, the people picker, delete confirmations.
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

  // Up to 10 people the reader may write to whose name or user id has `query`
  // (@@plonesocial-people), then `done(people)`; nothing on a failure.
  function findPeople(url, query, done) {
    fetch(url + "?q=" + encodeURIComponent(query),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(done)
      .catch(function () {});
  }

  // The people picker: the inbox's To field, a group's Add people, New conversation.
  // Without this script the field takes user ids, separated by commas. With it, it is an
  // ARIA combobox: two letters of a name or user id offer people (Down and Up move, Enter
  // picks, Escape closes); a field in a .plonesocial-picker adds each person picked as a
  // removable chip with a hidden input (Backspace in the empty field removes the last), a
  // lone field (the inbox's To) takes the picked user id as its value.
  function picker(input) {
    var box = input.closest(".plonesocial-picker");
    var chips = box && box.querySelector(".plonesocial-picked");
    var status = box && box.querySelector(".plonesocial-picker-status");
    // "Nobody found" in view: the status says it to screen readers, this to the eye.
    var none = box && box.querySelector(".plonesocial-picker-none");
    var required = input.required;
    var listbox = document.createElement("ul");
    var label = document.querySelector("label[for='" + input.id + "']");
    var people = [], active = -1, timer = null;
    listbox.id = input.id + "-options";
    listbox.className = "plonesocial-options list-group";
    listbox.setAttribute("role", "listbox");
    if (label) { listbox.setAttribute("aria-label", label.textContent.trim()); }
    listbox.hidden = true;
    var wrap = document.createElement("div");  // the list opens under the field, over what follows
    wrap.className = "plonesocial-combobox";
    input.before(wrap);
    wrap.append(input, listbox);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    function nobody(found) {
      if (none) { none.hidden = !found; }
    }
    function say(template, name) {
      if (status && template) { status.textContent = template.replace("{name}", name); }
    }
    function chosen() {  // the user ids picked here or in the form's checkboxes
      var ids = (box && box.dataset.exclude ? box.dataset.exclude.split(" ") : []);
      if (!chips) { return ids; }
      input.form.querySelectorAll("input[name='" + chips.dataset.name + "']").forEach(function (el) {
        if (el.type === "hidden" || el.checked) { ids.push(el.value); }
      });
      return ids;
    }
    function typed() {  // the name being typed: after the last comma of a multiple field
      return chips ? input.value.split(/[,;]/).pop().trim() : input.value.trim();
    }
    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      active = index;
      listbox.querySelectorAll("[role=option]").forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        option.classList.toggle("active", i === index);
        if (i === index) {
          input.setAttribute("aria-activedescendant", option.id);
          option.scrollIntoView({block: "nearest"});
        }
      });
    }
    function update() {
      input.required = required && !(chips && chips.children.length);
      if (chips) { chips.hidden = chips.children.length === 0; }
    }
    function unpick(item, name) {
      item.remove();
      update();
      say(box.dataset.removed, name);
      input.focus();
    }
    function chip(person) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      var hidden = document.createElement("input");
      var remove = document.createElement("button");
      item.className = "badge text-bg-light border d-inline-flex align-items-center gap-1";
      name.textContent = person.name;  // textContent and attributes: user text stays inert
      hidden.type = "hidden";
      hidden.name = chips.dataset.name;
      hidden.value = person.id;
      remove.type = "button";
      remove.className = "btn-close";
      remove.setAttribute("aria-label", box.dataset.remove.replace("{name}", person.name));
      remove.addEventListener("click", function () { unpick(item, person.name); });
      item.append(name, hidden, remove);
      chips.appendChild(item);
    }
    function pick(person) {
      close();
      if (!chips) {
        input.value = person.id;
      } else {
        var parts = input.value.split(/[,;]/);
        parts.pop();
        input.value = parts.length ? parts.join(",") + ", " : "";
        var checkbox = input.form.querySelector(
          "input[type=checkbox][name='" + chips.dataset.name + "'][value='" + CSS.escape(person.id) + "']");
        if (checkbox) { checkbox.checked = true; } else { chip(person); }
        update();
      }
      say(box && box.dataset.added, person.name);
      input.focus();
    }
    function show(found) {
      var exclude = chosen();
      people = found.filter(function (person) { return exclude.indexOf(person.id) < 0; });
      listbox.textContent = "";
      people.forEach(function (person, i) {
        var option = document.createElement("li");
        var id = document.createElement("span");
        option.id = listbox.id + "-" + i;
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.textContent = person.name + " ";
        id.className = "small plonesocial-userid";
        id.textContent = "(" + person.id + ")";
        option.appendChild(id);
        // Pressed, not clicked: the field keeps the focus.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { pick(person); });
        listbox.appendChild(option);
      });
      if (!people.length) {
        close();
        if (typed().length >= 2) { say(box && box.dataset.none, ""); nobody(true); }
        return;
      }
      nobody(false);
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(0);  // as Slack and Discourse do: Enter takes the first match
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = typed();
      nobody(false);
      if (query.length < 2) { close(); return; }
      timer = setTimeout(function () {
        findPeople(input.dataset.peopleUrl || box.dataset.peopleUrl, query, function (found) {
          if (typed() === query) { show(found); }
        });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!people.length) { return; }
        event.preventDefault();
        if (!open) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(open ? (active + step + people.length) % people.length : 0);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();  // picks; the form is sent by an Enter on a closed list
        pick(people[active]);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      } else if (event.key === "Backspace" && chips && !input.value && chips.lastElementChild) {
        var last = chips.lastElementChild;
        unpick(last, last.querySelector("span").textContent);
      }
    });
    input.addEventListener("blur", close);
    if (chips) {
      chips.querySelectorAll("li").forEach(function (item) {
        item.querySelector("button").addEventListener("click", function () {
          unpick(item, item.querySelector("span").textContent);
        });
      });
      update();
    }
  }
  document.querySelectorAll("input.plonesocial-people").forEach(picker);

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
        findPeople(area.dataset.peopleUrl, query, function (people) {
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
        });
      }, 200);
    });
  });

  // A field the server refused (aria-invalid, autofocus) is where the reader goes on: the
  // browser focused it as the page opened, but the toolbar and styles laid out after can
  // push it off a phone's screen. Bring it to the middle, keeping the focus there.
  var refused = document.querySelector("[aria-invalid=true][autofocus]");
  if (refused) {
    window.addEventListener("load", function () {
      refused.scrollIntoView({block: "center"});
      refused.focus({preventScroll: true});
    });
  }

  // What cannot be undone asks first: a form's data-confirm, or its button's. The
  // browser's own dialog: focus moves to it, Enter confirms, Escape cancels. Delegated,
  // so that forms added later (realtime messages) ask too.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
