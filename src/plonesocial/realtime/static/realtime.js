/* plonesocial realtime: the page's connection to the realtime gateway.
 *
 * Asks Plone for a short-lived ticket (POST @realtime-ticket), opens a
 * WebSocket to the gateway (Server-Sent Events where there is none), and
 * updates the header badges, the notifications menu, the inbox, the open
 * conversation and the streams in place. On every (re)connection it fetches
 * what it may have missed through the REST API's `after` cursors; ids already
 * shown are skipped, so nothing shows twice. While it is not connected the
 * menu polls @notifications/count as it does without realtime; it reconnects
 * with exponential back-off and jitter. User text is set with textContent; a
 * conversation's messages come rendered (escaped) by the server, as the page's own.
 */
(function () {
  "use strict";
  var script = document.getElementById("plonesocial-realtime");
  if (!script || !window.fetch) { return; }
  var data = script.dataset;
  var portal = data.portalUrl;
  var me = data.userid;
  var RT = window.plonesocialRealtime = {connected: false, events: 0, transport: null};
  var shown = {};  // "kind:scope:id" -> true: what this page already shows
  var attempt = 0;
  var socket = null;
  var sseConnection = null;
  var sseBase = null;
  var typingSent = {};

  function json(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({"Accept": "application/json"}, options.headers || {});
    return fetch(url, options).then(function (response) {
      if (!response.ok) { var error = new Error(response.status); error.status = response.status; throw error; }
      return response.status === 204 ? null : response.json();
    });
  }

  function write(url, method, body) {
    return json(url, {method: method, body: JSON.stringify(body || {}),
                      headers: {"Content-Type": "application/json", "X-CSRF-TOKEN": data.token}});
  }

  function once(key) {
    if (shown[key]) { return false; }
    shown[key] = true;
    return true;
  }

  // -- connection ------------------------------------------------------------

  function streams() {
    var list = [];
    document.querySelectorAll("[data-plonesocial-stream]").forEach(function (el) {
      list.push(el.dataset.plonesocialStream);
    });
    return list;
  }

  function connect() {
    write(data.ticketUrl, "POST", {streams: streams()}).then(function (answer) {
      var url = answer.gateway_url.replace(/\/+$/, "");
      if (url.charAt(0) === ":") {  // ":8090": the page's own host, another port
        url = (location.protocol === "https:" ? "wss://" : "ws://") + location.hostname + url;
      }
      // plonesocialRealtimeUseSSE: the browser tests take the fallback's path.
      if (window.WebSocket && !window.plonesocialRealtimeUseSSE) {
        openWebSocket(url + "/ws?ticket=" + encodeURIComponent(answer.ticket));
      } else {
        openEventSource(url.replace(/^ws/, "http"), answer.ticket);
      }
    }).catch(function (error) {
      // 404: realtime is off on this site; the page keeps polling.
      if (error.status !== 404) { reconnectLater(); }
    });
  }

  function openWebSocket(url) {
    var ws = socket = new WebSocket(url);
    RT.transport = "websocket";
    ws.onmessage = function (message) { receive(message.data); };
    ws.onclose = function () { if (socket === ws) { socket = null; disconnected(); } };
  }

  function openEventSource(base, ticket) {
    var source = new EventSource(base + "/sse?ticket=" + encodeURIComponent(ticket));
    RT.transport = "sse";
    sseBase = base;
    socket = source;
    source.onmessage = function (message) { receive(message.data); };
    source.onerror = function () {
      // A new ticket is needed for every connection: reconnect ourselves.
      source.close();
      if (socket === source) { socket = null; disconnected(); }
    };
  }

  function disconnected() {
    RT.connected = false;
    sseConnection = null;
    reconnectLater();
  }

  function reconnectLater() {
    // Exponential back-off with jitter: a restarted gateway is not stormed.
    var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
    attempt += 1;
    RT.nextDelay = delay;
    setTimeout(connect, delay);
  }

  function send(message) {
    if (!RT.connected) { return; }
    if (RT.transport === "websocket" && socket && socket.readyState === 1) {
      socket.send(JSON.stringify(message));
    } else if (RT.transport === "sse" && sseConnection) {
      fetch(sseBase + "/sse/typing", {method: "POST", body: JSON.stringify(
        {connection: sseConnection, to: message.to})}).catch(function () {});
    }
  }

  function receive(text) {
    var event;
    try { event = JSON.parse(text); } catch (e) { return; }
    RT.events += 1;
    var handler = handlers[event.type];
    if (handler) { handler(event); }
  }

  var handlers = {
    hello: function (event) {
      RT.connected = true;
      attempt = 0;
      sseConnection = event.connection || null;
      resync();
    },
    resync: function () { resync(); },
    message: function (event) {
      setMessagesBadge(event.unread);
      inboxEntry(event);
      var open = conversationEl();
      if (open && open.dataset.with === event.conversation) { conversationFetch(); }
    },
    read: function (event) {
      if (event.reader === me) {
        setMessagesBadge(event.unread);
        inboxRead(event.conversation);
        notificationsFetch();  // its notification is seen now: the bell counts it no more
      }
      else { receipt(event); }
    },
    // Issue 15: a group's message, as a 1:1 message (its page shows it in place).
    group_message: function (event) {
      if (typeof event.unread === "number") { setMessagesBadge(event.unread); }
      else { countSoon(); }  // a large group's event carries no count
      inboxEntry(event);
      var open = groupEl();
      if (open && open.dataset.groupId === event.group) {
        groupFetch();
      }
    },
    // Issue 15: I read a group (on another page): my count and its row follow.
    group_read: function (event) {
      if (event.reader !== me) { return; }
      setMessagesBadge(event.unread);
      var list = inboxList();
      var li = list && list.querySelector("li[data-group='" + CSS.escape(event.group) + "']");
      if (li) { setPill(li, 0); }
    },
    // Issue 15: an edit or an unsend shows in place on the open conversation.
    message_changed: function (event) {
      if (event.group) { groupChanged(event); } else { messageChanged(event); }
    },
    typing: function (event) { typing(event.from); },
    notification: function (event) {
      if (event.count === null || event.count === undefined) { notificationsFetch(); }
      else { setNotificationsBadge(event.count); refreshMenu(); }
      notificationsBar();
    },
    stream: function () { streamSoon(); },
    broadcast: function (event) {
      broadcastShow(event);
      notificationsFetch();  // a broadcast counts as not seen
    }
  };

  function resync() {
    notificationsFetch();
    inboxFetch();
    conversationFetch();
    groupFetch();
    streamFetch();
  }

  // -- header ----------------------------------------------------------------

  function setMessagesBadge(count) {
    setInboxLead(count);
    var link = document.getElementById("plonesocial-messages-link");
    if (!link || typeof count !== "number") { return; }
    var badge = link.querySelector(".badge");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge bg-secondary";
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    }
    badge.textContent = count;
    badge.dataset.count = count;
    badge.hidden = !count;
    menuCounted();
  }

  function setNotificationsBadge(count) {
    var badge = document.getElementById("plonesocial-badge");
    if (!badge) { return; }
    badge.textContent = count;
    badge.dataset.count = count;
    badge.hidden = !count;
    menuCounted();
  }

  function menuCounted() {  // the header menu's tab title follows the counts
    if (window.plonesocialMenu && window.plonesocialMenu.counted) { window.plonesocialMenu.counted(); }
  }

  function refreshMenu() {
    var menu = document.getElementById("plonesocial-menu");
    if (menu) { menu.dispatchEvent(new CustomEvent("plonesocial:refresh")); }
  }

  function notificationsFetch() {
    // The list's page carries the count: no @notifications/count request.
    json(portal + "/@notifications?limit=5").then(function (page) {
      // The badge is "new since I last looked" (issue 16), not_seen for older servers.
      var shown = page && (typeof page.new === "number" ? page.new : page.not_seen);
      if (typeof shown === "number") { setNotificationsBadge(shown); }
      refreshMenu();
    }).catch(function () {});
  }

  function notificationsBar() {
    var list = document.getElementById("plonesocial-notifications");
    if (!list || document.getElementById("plonesocial-notifications-bar")) { return; }
    var bar = document.createElement("button");
    bar.id = "plonesocial-notifications-bar";
    bar.type = "button";
    bar.className = "btn btn-info btn-sm mb-3";
    bar.textContent = data.labelNewNotifications;
    bar.addEventListener("click", function () { window.location.reload(); });
    list.insertBefore(bar, list.children[1] || null);
  }

  function broadcastShow(event) {
    if (!once("broadcast:" + event.id)) { return; }
    var box = document.createElement("div");
    box.className = "alert alert-warning plonesocial-broadcast";
    box.setAttribute("role", "alert");
    var strong = document.createElement("strong");
    strong.textContent = event.subject;
    box.appendChild(strong);
    if (event.body) { box.appendChild(document.createTextNode(" " + event.body)); }
    var main = document.getElementById("content") || document.body;
    main.insertBefore(box, main.firstChild);
  }

  // -- inbox -----------------------------------------------------------------

  var LIST = "ul.list-group:not(.plonesocial-options)";

  function inboxList() {
    var inbox = document.getElementById("plonesocial-inbox");
    if (!inbox) { return null; }
    // The conversations, not a people picker's options (pages.js, also a ul.list-group).
    var list = inbox.querySelector(LIST);
    if (!list) {
      list = document.createElement("ul");
      list.className = "list-group";
      inbox.appendChild(list);
      var empty = inbox.querySelector("[data-plonesocial-empty]");
      if (empty) { empty.hidden = true; }
    }
    return list;
  }

  function inboxEntry(event) {
    // event: a message event (1:1 or group), or a conversation from GET @inbox.
    var list = inboxList();
    if (!list) { return; }
    var group = event.type === "group_message" ? event.group : null;
    var userid = event.conversation || event.userid;
    var li = group ? list.querySelector("li[data-group='" + CSS.escape(group) + "']") :
      list.querySelector("li[data-with='" + CSS.escape(userid) + "']");
    if (!li) {
      li = document.createElement("li");
      li.className = "list-group-item d-flex justify-content-between align-items-start";
      var div = document.createElement("div");
      var a = document.createElement("a");
      a.className = "fw-bold";
      if (group) {
        li.dataset.group = group;
        a.href = portal + "/@@group?id=" + encodeURIComponent(group);
        a.textContent = event.title || data.labelGroup;
      } else {
        li.dataset.with = userid;
        a.href = portal + "/@@conversation?with=" + encodeURIComponent(userid);
        a.textContent = event.fullname || userid;
        // A message event names the person by id: the inbox's page has the name.
        if (!event.fullname) { setTimeout(inboxFetch, 0); }
      }
      div.appendChild(a);
      var excerpt = document.createElement("div");
      excerpt.className = "text-muted small";
      excerpt.dataset.excerpt = "";
      div.appendChild(excerpt);
      var when = document.createElement("div");
      when.className = "text-muted small";
      div.appendChild(when);
      li.appendChild(div);
    }
    var text = event.excerpt !== undefined ? event.excerpt :
      (event.last_message ? event.last_message.excerpt : "");
    var lastId = event.id !== undefined &&
      (event.type === "message" || event.type === "group_message") ? event.id :
      (event.last_message ? event.last_message.id : 0);
    if (Number(li.dataset.lastId || 0) > lastId) { return; }  // older news
    li.dataset.lastId = lastId;
    var lines = li.querySelectorAll(".text-muted.small");  // excerpt, then when
    if (lines[0]) { lines[0].textContent = text; }
    var created = event.created || event.updated;
    if (lines[1] && created) {
      lines[1].textContent = "";
      lines[1].appendChild(timeElement(created));
    }
    var unread = event.conversation_unread !== undefined ? event.conversation_unread :
      event.new_messages_count;
    setPill(li, unread);
    list.insertBefore(li, list.firstChild);
  }

  function utc(iso) {
    // Until times.js rewrites it in the reader's zone and language: "2026-11-30 19:52 UTC".
    var text = String(iso);
    return text.slice(0, 10) + " " + text.slice(11, 16) + " UTC";
  }

  function timeElement(iso) {
    // As the pages write times: times.js makes them relative, local and live.
    var when = document.createElement("time");
    when.className = "plonesocial-time";
    when.setAttribute("datetime", String(iso));
    when.textContent = utc(iso);
    if (window.plonesocialTimes) { window.plonesocialTimes.refresh(); }
    return when;
  }

  function setInboxLead(count) {
    var inbox = document.getElementById("plonesocial-inbox");
    if (!inbox || typeof count !== "number") { return; }
    var lead = inbox.querySelector("p.lead");
    if (!lead) {
      lead = document.createElement("p");
      lead.className = "lead";
      inbox.querySelector("h1").after(lead);
    }
    lead.textContent = data.labelUnread.replace("${count}", count);
    lead.hidden = !count;
  }

  function setPill(li, unread) {
    var pill = li.querySelector(".badge.rounded-pill");  // not a group's "group of 3"
    if (!unread) { if (pill) { pill.remove(); } return; }
    if (!pill) {
      pill = document.createElement("span");
      pill.className = "badge bg-primary rounded-pill";
      li.appendChild(pill);
    }
    pill.textContent = data.labelUnread.replace("${count}", unread);
  }

  function inboxRead(userid) {
    var list = inboxList();
    var li = list && list.querySelector("li[data-with='" + CSS.escape(userid) + "']");
    if (li) { setPill(li, 0); }
  }

  function inboxFetch() {
    if (!document.getElementById("plonesocial-inbox")) { return; }
    json(portal + "/@inbox?limit=20").then(function (page) {
      page.items.slice().reverse().forEach(inboxEntry);
      setMessagesBadge(page.new_messages_count);
    }).catch(function () {});
  }

  // -- conversation ----------------------------------------------------------

  function conversationEl() { return document.getElementById("plonesocial-conversation"); }

  // New, edited and unsent messages come from @@conversation-messages, rendered by
  // the server as the page renders them (escaped text, line breaks, links, files, the
  // Edit and Unsend controls): a live message is what a reload shows.

  function conversationItems(el, query) {
    return json(portal + "/@@conversation-messages?with=" + encodeURIComponent(el.dataset.with) +
                query).then(function (page) {
      return (page.items || []).map(function (item) {
        var holder = document.createElement("template");  // inert until it is placed
        holder.innerHTML = item.html;
        return {id: item.id, mine: item.mine, li: holder.content.querySelector("li")};
      }).filter(function (item) { return item.li; });
    });
  }

  function conversationFetch() {
    var el = conversationEl();
    if (!el || el.dataset.fetching) { if (el) { el.dataset.again = "1"; } return; }
    el.dataset.fetching = "1";
    var other = el.dataset.with;
    var lastId = Number(el.dataset.lastId || 0);  // 0: no message yet
    conversationItems(el, lastId ? "&after=" + lastId : "").then(function (items) {
      var fresh = false;
      items.forEach(function (item) {
        if (!once("message:" + other + ":" + item.id)) { return; }
        appendMessage(el, item);
        el.dataset.lastId = Math.max(Number(el.dataset.lastId || 0), item.id);
        if (!item.mine) { fresh = true; hideTyping(); }
      });
      // The page is open: what arrives is read, as when the page is opened.
      if (fresh) { write(portal + "/@inbox/" + encodeURIComponent(other), "PATCH", {read: true}).catch(function () {}); }
    }).catch(function () {}).then(function () {
      delete el.dataset.fetching;
      if (el.dataset.again) { delete el.dataset.again; conversationFetch(); }
    });
  }

  function placeReceipt(el, li) {
    // One "Seen": the server's, under the message it names, or the live line.
    if (li.querySelector(".read-receipt")) {
      el.querySelectorAll(".read-receipt").forEach(function (node) {
        if (!li.contains(node)) { node.remove(); }
      });
      var line = document.getElementById("plonesocial-receipt");
      if (line) { line.hidden = true; }
    }
  }

  function appendMessage(el, item) {
    var list = el.querySelector("ol");
    var li = document.importNode(item.li, true);
    list.appendChild(li);
    var empty = el.querySelector("[data-plonesocial-empty]");  // "No messages yet"
    if (empty) { empty.hidden = true; }
    var receiptEl = document.getElementById("plonesocial-receipt");
    if (receiptEl && item.mine) { receiptEl.hidden = true; }  // "Seen" was of an older one
    placeReceipt(el, li);
    if (window.plonesocialTimes) { window.plonesocialTimes.refresh(); }
  }

  function messageChanged(event) {
    // An edit or an unsend: the message as the page renders it now, in place.
    var el = conversationEl();
    if (!el || el.dataset.with !== event.conversation) { return; }
    var id = Number(event.id);
    if (!el.querySelector('li[data-message-id="' + id + '"]')) { return; }
    conversationItems(el, "&id=" + id).then(function (items) {
      var old = el.querySelector('li[data-message-id="' + id + '"]');
      if (!old || !items.length) { return; }
      var li = document.importNode(items[0].li, true);
      // The "Seen" stays as the page shows it now (receipt events move it).
      var had = old.querySelector(".read-receipt");
      var has = li.querySelector(".read-receipt");
      if (has) { has.remove(); }
      if (had) { li.insertBefore(had, li.querySelector(":scope > form:last-of-type")); }
      old.replaceWith(li);
      if (window.plonesocialTimes) { window.plonesocialTimes.refresh(); }
    }).catch(function () {});
  }

  // -- group conversation (issue 15) -------------------------------------------
  // The page itself is fetched again (as opening it: what arrives is read) and
  // what it shows anew is taken over: its new messages, a changed one, the
  // receipt. Server-rendered, so the edit, unsend and file parts are the page's own.

  function groupEl() { return document.getElementById("plonesocial-group"); }

  var countTimer = null;
  function countSoon() {
    // Many pages hear of one large group's message: a random delay spreads their requests.
    if (countTimer) { return; }
    countTimer = setTimeout(function () {
      countTimer = null;
      json(portal + "/@inbox?limit=1").then(function (page) {
        setMessagesBadge(page.new_messages_count);
      }).catch(function () {});
    }, 200 + Math.random() * 1800);
  }

  var groupChangedIds = {};  // ids of messages the next fetch shows anew

  function groupFetch(changed) {
    // changed: the id of a message to show anew (an edit, an unsend), or nothing.
    // Reading the page marks what arrived read: a group_read event brings the count.
    var el = groupEl();
    if (!el || !el.dataset.url) { return; }
    if (changed !== null && changed !== undefined) { groupChangedIds[String(changed)] = true; }
    if (el.dataset.fetching) { el.dataset.again = "1"; return; }
    el.dataset.fetching = "1";
    var wanted = groupChangedIds;
    groupChangedIds = {};
    var url = el.dataset.url + (el.dataset.url.indexOf("?") < 0 ? "?" : "&") + "ajax_load=1";
    fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("group-messages");
      var list = document.getElementById("group-messages");
      if (!fresh || !list) { return; }
      fresh.querySelectorAll(":scope > li[data-key]").forEach(function (li) {
        var key = li.dataset.key;
        var mine = list.querySelector(":scope > li[data-key='" + CSS.escape(key) + "']");
        if (mine && wanted[key]) { mine.replaceWith(document.importNode(li, true)); }
        else if (!mine) { list.appendChild(document.importNode(li, true)); }
      });
      // The receipt stands under the newest message: the page's own, as it is now.
      list.querySelectorAll(".read-receipt").forEach(function (node) { node.remove(); });
      var receiptLine = fresh.querySelector(".read-receipt");
      var holder = receiptLine && receiptLine.closest("li[data-key]");
      var target = holder && list.querySelector(
        ":scope > li[data-key='" + CSS.escape(holder.dataset.key) + "']");
      if (target) { target.appendChild(document.importNode(receiptLine, true)); }
      if (window.plonesocialTimes) { window.plonesocialTimes.refresh(); }
    }).catch(function () {}).then(function () {
      delete el.dataset.fetching;
      if (el.dataset.again) { delete el.dataset.again; groupFetch(); }
    });
  }

  function groupChanged(event) {
    var el = groupEl();
    if (!el || el.dataset.groupId !== event.group) { return; }
    groupFetch(event.id);
  }

  function receipt(event) {
    var el = conversationEl();
    if (!el || el.dataset.with !== event.reader) { return; }
    // One "Seen": the page's own, under an older message, gives way to the live one.
    el.querySelectorAll(".read-receipt").forEach(function (node) { node.remove(); });
    var line = document.getElementById("plonesocial-receipt");
    if (!line) {
      line = document.createElement("div");
      line.id = "plonesocial-receipt";
      line.className = "small text-muted mb-2";
      el.querySelector("ol").after(line);
    }
    line.textContent = data.labelSeen;
    line.hidden = false;
  }

  var typingTimer = null;
  function typing(from) {
    var el = conversationEl();
    if (!el || el.dataset.with !== from) { return; }
    var line = document.getElementById("plonesocial-typing");
    if (!line) {
      line = document.createElement("div");
      line.id = "plonesocial-typing";
      line.className = "small text-muted mb-2";
      line.setAttribute("aria-live", "polite");
      el.querySelector("ol").after(line);
    }
    line.textContent = data.labelTyping.replace("${name}", el.dataset.withName);
    line.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 4000);
  }

  function hideTyping() {
    var line = document.getElementById("plonesocial-typing");
    if (line) { line.hidden = true; }
  }

  function watchTyping() {
    var el = conversationEl();
    var field = document.getElementById("reply-text");
    if (!el || !field) { return; }
    field.addEventListener("input", function () {
      var now = Date.now();
      if (now - (typingSent[el.dataset.with] || 0) < 2000) { return; }
      typingSent[el.dataset.with] = now;
      send({type: "typing", to: el.dataset.with});
    });
  }

  // -- streams ---------------------------------------------------------------

  var streamTimer = null;
  function streamSoon() {
    // Every page following the site stream hears of every activity: a random
    // delay spreads their requests, and signals arriving meanwhile share one.
    if (streamTimer) { return; }
    streamTimer = setTimeout(function () { streamTimer = null; streamFetch(); },
                             200 + Math.random() * 1800);
  }

  function streamFetch() {
    var el = document.querySelector("[data-plonesocial-stream]");
    if (!el || el.dataset.fetching) { return; }
    el.dataset.fetching = "1";
    var newest = Number(el.dataset.newest || 0);  // 0: the page shows nothing yet
    var url = el.dataset.streamUrl + "?limit=50" + (newest ? "&after=" + newest : "");
    json(url).then(function (page) {
      // Only what REST returned (what this reader may View) is counted.
      var items = (page.orderedItems || []).filter(function (item) {
        return once("pending:" + activityId(item));
      });
      RT.pendingStream = (RT.pendingStream || []).concat(items);
      streamBar(el);
    }).catch(function () {}).then(function () { delete el.dataset.fetching; });
  }

  function activityId(item) {
    var id = item.id;
    if (typeof id === "string") { id = Number(id.split(":").pop()); }
    return id;
  }

  function streamBar(el) {
    var pending = RT.pendingStream || [];
    var bar = document.getElementById("plonesocial-stream-bar");
    if (!pending.length) { if (bar) { bar.hidden = true; } return; }
    if (!bar) {
      bar = document.createElement("button");
      bar.id = "plonesocial-stream-bar";
      bar.type = "button";
      bar.className = "btn btn-info btn-sm mb-3";
      bar.addEventListener("click", function () { streamShow(el); });
      el.insertBefore(bar, el.querySelector(LIST));
    }
    bar.textContent = data.labelNewItems.replace("${count}", pending.length);
    bar.hidden = false;
  }

  function streamShow(el) {
    var list = el.querySelector(LIST);
    var pending = RT.pendingStream || [];
    RT.pendingStream = [];
    pending.slice().reverse().forEach(function (item) {
      var id = activityId(item);
      if (!once("stream:" + id)) { return; }
      var li = document.createElement("li");
      li.className = "list-group-item";
      li.dataset.activityId = id;
      li.textContent = item.summary || item.type;
      list.insertBefore(li, list.firstChild);
      el.dataset.newest = Math.max(Number(el.dataset.newest || 0), id);
    });
    var empty = el.querySelector("[data-plonesocial-empty]");
    if (empty && list.children.length) { empty.hidden = true; }
    streamBar(el);
  }

  watchTyping();
  connect();
})();
