/* plonesocial's times: relative ("5 minutes ago") and live, exact on hover, in the
 * reader's language and time zone.
 *
 * Every <time datetime="..."> plonesocial renders (class plonesocial-time) is
 * rewritten with Intl.RelativeTimeFormat in the page's language, its title
 * (the hover) with Intl.DateTimeFormat in the reader's time zone, both given by
 * the header menu (data-language, data-timezone). The texts refresh every 30 s
 * and whenever plonesocial adds times to the page (the menu's list, realtime
 * messages). The server renders the same texts first, for pages without script.
 */
(function () {
  "use strict";
  var menu = document.getElementById("plonesocial-menu");
  var data = menu ? menu.dataset : {};
  var language = data.language || document.documentElement.lang || navigator.language;
  var zone = data.timezone || undefined;
  var WEEK = 7 * 24 * 3600;
  var relative, exact, date;

  try {
    relative = new Intl.RelativeTimeFormat(language, {numeric: "auto"});
    exact = new Intl.DateTimeFormat(language, {
      weekday: "short", year: "numeric", month: "short", day: "numeric",
      hour: "numeric", minute: "2-digit", timeZone: zone, timeZoneName: "short"});
    date = new Intl.DateTimeFormat(language, {dateStyle: "medium", timeZone: zone});
  } catch (error) {
    return;  // an unknown zone or language: the server's texts stay
  }

  function text(when, now) {
    var seconds = Math.round((now - when) / 1000);
    if (seconds < 60 && data.justNow) { return data.justNow; }
    if (seconds < 60) { return relative.format(0, "second"); }
    if (seconds < 3600) { return relative.format(-Math.floor(seconds / 60), "minute"); }
    if (seconds < 86400) { return relative.format(-Math.floor(seconds / 3600), "hour"); }
    if (seconds < WEEK) { return relative.format(-Math.floor(seconds / 86400), "day"); }
    return date.format(when);
  }

  function refresh() {
    var now = Date.now();
    document.querySelectorAll("time.plonesocial-time[datetime]").forEach(function (element) {
      var when = new Date(element.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      var shown = text(when, now);
      if (element.textContent !== shown) { element.textContent = shown; }
      var title = exact.format(when);
      if (element.title !== title) { element.title = title; }
    });
  }

  var pending = false;
  function soon() {
    if (pending) { return; }
    pending = true;
    setTimeout(function () { pending = false; refresh(); }, 0);
  }

  refresh();
  setInterval(refresh, 30000);
  new MutationObserver(function (mutations) {
    for (var i = 0; i < mutations.length; i++) {
      var nodes = mutations[i].addedNodes;
      for (var j = 0; j < nodes.length; j++) {
        if (nodes[j].nodeType === 1 && (nodes[j].matches("time.plonesocial-time") ||
            nodes[j].querySelector("time.plonesocial-time"))) { soon(); return; }
      }
    }
  }).observe(document.body, {childList: true, subtree: true});
  window.plonesocialTimes = {refresh: refresh};
})();
