"""S11 of `make bench`: the not-seen count under Plone, 10 vs 10,000 unseen notifications
about content (issue 13, goal 6).

Runs in a child process on plonesocial's integration test layer (a Plone site on a
DemoStorage, the catalog's View checks of CatalogVisibility): the layer sets up a
whole component registry, which must not leak into the bench's own process.
Two users get `few` and `many` notifications about 100 published pages; the
count's median time is taken for each (the fast count: nothing changed since
delivery), then again for `many` after a change of who may View something (the
exact fallback, which checks every unseen notification about content). Each
count is asserted equal to the visible unseen list.
"""

import json
import statistics
import subprocess
import sys
import time


PAGES = 100


def timed(function, repeat):
    """Median seconds of `repeat` calls (after one call to warm up)."""
    function()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def child(few, many):
    from plone import api
    from plone.app.testing import setRoles
    from plone.app.testing import TEST_USER_ID
    from plonesocial.activitystream import seencheck
    from plonesocial.activitystream.interfaces import IActivityLocator
    from plonesocial.testing import PLONESOCIAL_INTEGRATION_TESTING as layer
    from zope.component import getUtility
    from zope.testrunner.runner import gather_layers

    gathered = []
    gather_layers(layer, gathered)  # most specific first
    layers = []
    for each in reversed(gathered):
        if each not in layers:
            layers.append(each)
    for each in layers:
        each.setUp()
    for each in layers:
        if hasattr(each, "testSetUp"):
            each.testSetUp()
    portal = layer["portal"]
    setRoles(portal, TEST_USER_ID, ["Manager"])
    uuids = []
    for index in range(PAGES):
        page = api.content.create(portal, "Document", f"page-{index}", title=f"Page {index}")
        api.content.transition(page, "publish")
        uuids.append(page.UID())
    am = getUtility(IActivityLocator).get_manager()
    result = {}
    for userid, count in (("few", few), ("many", many)):
        api.user.create(email=f"{userid}@example.org", username=userid,
                        password="secret-password")
        began = time.perf_counter()
        for index in range(count):
            am.notify([userid], subject=f"About page {index}", context=uuids[index % PAGES])
        # per notification, the View check that verifies it included
        result["deliver_ms"] = round((time.perf_counter() - began) * 1000 / count, 3)
    figures = {}

    def measure(key, userid, repeat):
        shown = sum(1 for n in am.get_by_recipient(userid) if not n.seen)
        counted = am.count_not_seen_by_recipient(userid)
        if counted != shown:
            raise AssertionError(f"S11: count {counted} != {shown} visible unseen")
        figures[key] = {"unseen": counted, "fast": seencheck.unseen_verified(
            am, am.notifications.get_list(userid)),
            "us": round(timed(lambda: am.count_not_seen_by_recipient(userid), repeat) * 1e6, 2)}

    measure("few", "few", 2000)
    measure("many", "many", 2000)
    api.content.transition(portal["page-0"], "retract")  # a tenth of `many` hidden
    measure("many_after_change", "many", 20)
    figures["ratio"] = round(figures["many"]["us"] / figures["few"]["us"], 2)
    figures["fallback_ratio"] = round(figures["many_after_change"]["us"] / figures["few"]["us"], 1)
    figures.update(result)
    for each in reversed(layers):
        if hasattr(each, "testTearDown"):
            each.testTearDown()
    for each in reversed(layers):
        each.tearDown()
    return figures


def s11_plone_counts(few=10, many=10_000):
    """Run `child` in a fresh interpreter; return its figures."""
    done = subprocess.run([sys.executable, __file__, str(few), str(many)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"S11 failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]), int(sys.argv[2]))))
