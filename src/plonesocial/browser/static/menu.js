/* plonesocial's header menu: the counts poll, the panel is a disclosure.
 *
 * The bell opens and closes a panel (a disclosure button: aria-expanded,
 * Escape, a click outside or Tab out of it close it); it is no ARIA menu, so
 * the links inside are reached with Tab as everywhere else. The counts poll
 * @notifications/count (ETag: 304 while nothing changed); a change updates
 * both badges, the tab title and a polite live region, and re-renders the
 * list from the server (@@plonesocial-menu-items: translated, escaped there).
 * A realtime channel, when one is connected, may call
 * window.plonesocialMenu.refresh() instead of waiting for the poll.
 */
(function () {
  "use strict";
  var menu = document.getElementById("plonesocial-menu");
  if (!menu) { return; }
  var bell = document.getElementById("plonesocial-bell");
  var panel = document.getElementById("plonesocial-dropdown");
  var items = document.getElementById("plonesocial-items");
  var empty = document.getElementById("plonesocial-empty");
  var badge = document.getElementById("plonesocial-badge");
  var messages = document.getElementById("plonesocial-messages-badge");
  var live = document.getElementById("plonesocial-live");
  var markAll = document.getElementById("plonesocial-mark-all");
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var etag = null;

  function count(element) { return parseInt(element.dataset.count || "0", 10); }

  function setCount(element, value) {
    element.textContent = value;
    element.dataset.count = String(value);
    element.hidden = !value;
  }

  function showTitle() {
    var total = count(badge) + count(messages);
    document.title = (total ? "(" + total + ") " : "") + baseTitle;
  }

  function announce(notSeen, unread, before) {
    var parts = [];
    if (notSeen > before.notSeen) {
      parts.push(notSeen === 1 ? menu.dataset.liveOne
                               : menu.dataset.liveMany.replace("{count}", notSeen));
    }
    if (unread > before.unread) {
      parts.push(menu.dataset.liveMessages.replace("{count}", unread));
    }
    if (parts.length) { live.textContent = parts.join(". "); }
  }

  function request(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = options.headers || {};
    return fetch(url, options);
  }

  function post(url, body) {
    return request(url, {method: "POST", body: JSON.stringify(body || {}), headers: {
      "Accept": "application/json", "Content-Type": "application/json",
      "X-CSRF-TOKEN": menu.dataset.token}});
  }

  function refreshItems() {
    return request(menu.dataset.itemsUrl, {headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        items.innerHTML = html;
        empty.hidden = !!items.querySelector("li");
      })
      .catch(function () {});
  }

  function apply(data) {
    var before = {notSeen: count(badge), unread: count(messages)};
    var unread = data.unread_messages || 0;
    // The badge: new since I last looked (tgapp); not_seen is the list's (Lino's).
    var shown = typeof data.new === "number" ? data.new : data.not_seen;
    setCount(badge, shown);
    setCount(messages, unread);
    showTitle();
    announce(shown, unread, before);
    if (shown !== before.notSeen || unread !== before.unread) { refreshItems(); }
  }

  function poll() {
    // plonesocial.realtime pushes the counts while its connection is open.
    if (window.plonesocialRealtime && window.plonesocialRealtime.connected) {
      return Promise.resolve();
    }
    var headers = {"Accept": "application/json"};
    if (etag) { headers["If-None-Match"] = etag; }
    return request(menu.dataset.countUrl, {headers: headers})
      .then(function (response) {
        if (response.status !== 200) { return null; }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () {});
  }

  function isOpen() { return panel.classList.contains("show"); }

  function setOpen(open) {
    panel.classList.toggle("show", open);
    bell.setAttribute("aria-expanded", open ? "true" : "false");
  }

  bell.addEventListener("click", function () {
    if (isOpen()) { setOpen(false); return; }
    refreshItems().then(function () {
      setOpen(true);
      var first = panel.querySelector("a, button");
      if (first) { first.focus(); }
    });
    // tgapp's "update last seen": the person looked at their notifications, which
    // clears the badge (the list keeps what is not seen).
    post(menu.dataset.lastSeenUrl)
      .then(function (response) {
        if (response.ok) { setCount(badge, 0); showTitle(); }
      })
      .catch(function () {});
  });

  markAll.addEventListener("click", function () {
    post(menu.dataset.seenUrl, {all: true})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { apply(data); refreshItems(); } })
      .catch(function () {});
  });

  menu.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) { setOpen(false); bell.focus(); }
  });
  // The panel borrows Bootstrap's dropdown look, not its script: Bootstrap's key
  // handler (the document's, capturing) would look for a toggle the panel has not (an
  // error) and swallow the arrow keys that scroll it. The window captures first.
  window.addEventListener("keydown", function (event) {
    if (!panel.contains(event.target) ||
        ["Escape", "ArrowUp", "ArrowDown"].indexOf(event.key) < 0) { return; }
    event.stopPropagation();
    if (event.key === "Escape" && isOpen()) { setOpen(false); bell.focus(); }
  }, true);
  document.addEventListener("click", function (event) {
    if (isOpen() && !menu.contains(event.target)) { setOpen(false); }
  });
  menu.addEventListener("focusout", function (event) {
    if (isOpen() && event.relatedTarget && !menu.contains(event.relatedTarget)) {
      setOpen(false);
    }
  });

  showTitle();
  // realtime.js: "plonesocial:refresh" when a notification arrives, counted() after
  // it set a badge (the tab title follows).
  menu.addEventListener("plonesocial:refresh", function () { refreshItems(); });
  window.plonesocialMenu = {refresh: poll, counted: showTitle};
  setInterval(poll, parseInt(menu.dataset.interval || "10000", 10));
})();
