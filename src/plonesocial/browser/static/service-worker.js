/* plonesocial's service worker: shows pushed notifications, opens them on click. */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "", {
    body: data.body || "",
    // One notification on the device per row of the list: a row that grew ("Ann
    // sent you 2 messages") replaces the one shown, and alerts again.
    tag: "plonesocial-" + (data.id || ""),
    renotify: Boolean(data.id),
    data: {url: data.url || self.registration.scope}
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(clients.openWindow(event.notification.data.url));
});
