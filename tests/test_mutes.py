"""Issue 16, parts 6 to 9: mutes, "Do not disturb", watch frequency, fixed watches,
the timeline's watch filters and the tgapp/Lino compatibility, on a plain ZODB."""

from datetime import datetime
from datetime import timedelta
from plonesocial import exc
from plonesocial.activitystream import fixed
from plonesocial.activitystream.fixed import FixedWatches
from plonesocial.activitystream.mutes import MuteStore
from plonesocial.activitystream.mutes import until_of
from plonesocial.activitystream.preferences import Preferences
from plonesocial.activitystream.timeline import timeline_predicate
from plonesocial.clock import utcnow
from tests.test_activitystream import ManagerTestCase

import unittest


FOLDER, PAGE, OTHER = "folder-uuid", "page-uuid", "other-uuid"


class MuteTestCase(ManagerTestCase):
    def setUp(self):
        super().setUp()
        self.am.mutes = MuteStore()

    def edit(self, actor="ann", context=PAGE, ancestors=(FOLDER,), verb="Update",
             portal_type="Document"):
        return self.am.create(actor=actor, verb=verb, object=("content", context),
                              context=context, ancestors=ancestors, portal_type=portal_type)

    def notified(self, userid):
        return [n.activity_id for n in self.am.get_by_recipient(userid)]


class TestMutes(MuteTestCase):
    def test_a_muted_folder_silences_its_subtree_until_the_mute_ends(self):
        self.am.subscriptions.watch("bob", FOLDER)
        now = utcnow()
        self.am.mutes.mute("bob", "content", FOLDER, until=now + timedelta(hours=1), now=now)
        muted = self.edit()
        self.assertEqual(self.notified("bob"), [])
        # Expiry needs no job: an hour later the same mute no longer counts.
        self.am.mutes.mute("bob", "content", FOLDER, until=now - timedelta(seconds=1),
                           now=now - timedelta(hours=1))
        heard = self.edit()
        self.assertEqual(self.notified("bob"), [heard.id])
        self.assertNotEqual(muted.id, heard.id)
        self.am.check_invariants()
        self.am.mutes.check_invariants()

    def test_muting_one_item_or_one_activity_leaves_the_others(self):
        self.am.subscriptions.watch("bob", FOLDER)
        self.am.mutes.mute("bob", "content", PAGE)
        self.edit()
        other = self.edit(context=OTHER)
        self.assertEqual(self.notified("bob"), [other.id])
        self.am.mutes.mute("bob", "activity", str(other.id))
        self.assertTrue(self.am.mutes.silences("bob", [("activity", str(other.id))], utcnow()))

    def test_a_muted_conversation_sends_no_message_notification(self):
        self.am.mutes.mute("bob", "conversation", "ann")
        self.am.notify_facts(["bob"], "message", "sent you a message", owner=("user", "ann"),
                             actor="ann")
        self.am.notify_facts(["bob"], "message", "sent you a message", owner=("user", "carl"),
                             actor="carl")
        self.assertEqual([n.actors for n in self.am.get_by_recipient("bob")], [("carl",)])

    def test_queued_fan_out_honours_a_mute_made_after_queueing(self):
        from tests.test_activitystream import install_registry

        install_registry(self, 1)
        for userid in ("bob", "carl", "dora"):
            self.am.subscriptions.watch(userid, FOLDER)
        self.edit()
        self.assertEqual(self.am.queued(), 2)
        self.am.mutes.mute("dora", "content", FOLDER)
        self.am.deliver_queued(10)
        self.assertEqual(self.am.queued(), 0)
        self.assertEqual(sorted(u for u in ("bob", "carl", "dora") if self.notified(u)),
                         ["bob", "carl"])

    def test_hide_takes_the_target_off_the_timeline(self):
        self.am.subscriptions.watch("bob", FOLDER)
        hidden, shown = self.edit(), self.edit(context=OTHER)
        self.am.mutes.mute("bob", "content", PAGE, hide=True)
        self.assertEqual([a.id for a in self.am.get_timeline("bob")], [shown.id])
        self.am.mutes.unmute("bob", "content", PAGE)
        self.assertEqual([a.id for a in self.am.get_timeline("bob")], [shown.id, hidden.id])

    def test_bad_mutes_are_refused(self):
        for kind, target, error in (("planet", "x", exc.InvalidInput),
                                    ("content", "", exc.InvalidInput),
                                    ("content", " x", exc.InvalidInput),
                                    ("content", "x" * 201, exc.InvalidInput),
                                    ("activity", "abc", exc.InvalidInput),
                                    ("content", "\ud800", exc.InvalidInput)):
            with self.subTest(kind=kind, target=target), self.assertRaises(error):
                self.am.mutes.mute("bob", kind, target)
        with self.assertRaises(exc.InvalidInput):
            until_of("fortnight")
        now = datetime(2026, 1, 1, 12)
        self.assertEqual(until_of("week", now), datetime(2026, 1, 8, 12))
        self.assertIsNone(until_of(None, now))

    def test_export_and_erasure(self):
        self.am.mutes.mute("bob", "content", PAGE, hide=True)
        self.am.mutes.mute("carl", "conversation", "bob")
        self.am.mutes.mute("carl", "conversation", "dora")
        self.assertEqual([(m["kind"], m["target"], m["hide"])
                          for m in self.am.mutes.export_user("bob")], [("content", PAGE, True)])
        self.assertEqual(self.am.mutes.erase_user("bob"), 1)
        self.assertEqual(self.am.mutes.export_user("bob"), [])
        # Nobody's mutes name an erased user any more.
        self.assertEqual([m["target"] for m in self.am.mutes.export_user("carl")], ["dora"])


class TestFrequency(MuteTestCase):
    def test_stream_only_watch_notifies_nobody_but_keeps_the_timeline(self):
        self.am.subscriptions.watch("bob", FOLDER, frequency="stream")
        activity = self.edit()
        self.assertEqual(self.notified("bob"), [])
        self.assertEqual([a.id for a in self.am.get_timeline("bob")], [activity.id])

    def test_addressed_or_followed_still_notifies(self):
        self.am.subscriptions.watch("bob", FOLDER, frequency="stream")
        self.am.subscriptions.follow("bob", "ann")
        activity = self.edit()
        self.assertEqual(self.notified("bob"), [activity.id])

    def test_digest_watch_holds_an_immediate_mail_back_to_the_daily_digest(self):
        self.am.set_preferences("bob", mail_mode="immediately")
        self.am.subscriptions.watch("bob", FOLDER, frequency="digest")
        self.am.subscriptions.watch("carl", FOLDER)
        self.am.set_preferences("carl", mail_mode="immediately")
        self.edit()
        self.assertEqual(list(self.am.digest_candidates()), ["bob"])

    def test_unknown_frequency_is_refused(self):
        with self.assertRaises(exc.InvalidSubscription):
            self.am.subscriptions.watch("bob", FOLDER, frequency="hourly")


class TestTimelineFilters(MuteTestCase):
    def test_verbs_portal_types_and_subtree_false(self):
        self.am.subscriptions.watch("bob", FOLDER, subtree=False)
        self.am.subscriptions.watch("carl", FOLDER, verbs=["Create"])
        self.am.subscriptions.watch("dora", FOLDER, portal_types=["News Item"])
        on_folder = self.edit(context=FOLDER, ancestors=(), portal_type="Folder")
        in_folder = self.edit()
        created = self.edit(verb="Create")
        news = self.edit(portal_type="News Item")

        def timeline(userid):
            return [a.id for a in self.am.get_timeline(userid)]

        self.assertEqual(timeline("bob"), [on_folder.id])
        self.assertEqual(timeline("carl"), [created.id])
        self.assertEqual(timeline("dora"), [news.id])
        self.assertNotIn(in_folder.id, timeline("carl"))

    def test_activities_before_folders_were_kept_follow_subtree_watches(self):
        activity = self.edit()
        activity.ancestors = ()  # as recorded by an earlier release
        self.am.subscriptions.watch("bob", FOLDER)
        self.am.subscriptions.watch("carl", FOLDER, subtree=False)
        self.assertTrue(timeline_predicate(self.am, "bob")(activity))
        self.assertFalse(timeline_predicate(self.am, "carl")(activity))


class TestFixedWatches(MuteTestCase):
    def setUp(self):
        super().setUp()
        self.am.fixed = FixedWatches()
        self.members = {"staff": ("bob", "carl")}
        original = fixed.members_of, fixed.principals_of
        fixed.members_of = lambda group: self.members.get(group, ())
        fixed.principals_of = lambda userid: frozenset(
            {userid} | {g for g, members in self.members.items() if userid in members})

        def restore():
            fixed.members_of, fixed.principals_of = original
        self.addCleanup(restore)

    def test_group_members_hear_join_and_leave_at_once(self):
        self.assertTrue(self.am.fixed.fix(FOLDER, "staff"))
        self.assertFalse(self.am.fixed.fix(FOLDER, "staff"))
        first = self.edit()
        self.assertEqual(self.notified("bob"), [first.id])
        self.assertEqual(list(self.am.get_by_recipient("carl"))[0].reasons, (f"fixed:{FOLDER}",))
        self.members["staff"] = ("carl", "dora")  # bob leaves, dora joins
        second = self.edit(context=OTHER)
        self.assertEqual(self.notified("dora"), [second.id])
        self.assertEqual(self.notified("bob"), [first.id])
        self.assertEqual([a.id for a in self.am.get_timeline("dora")], [second.id, first.id])
        self.assertEqual(list(self.am.get_timeline("bob")), [])
        self.assertTrue(self.am.fixed.unfix(FOLDER, "staff"))
        self.assertFalse(self.am.fixed.unfix(FOLDER, "staff"))
        self.am.fixed.check_invariants()


class TestCompatibility(ManagerTestCase):
    def test_create_without_object_and_any_json_extra(self):
        activity = self.am.create(actor="ann", verb="Join", target=("user", "bob"),
                                  recipients=["bob"], extra=[1, "two", None])
        self.assertIsNone(activity.object)
        self.assertEqual(activity.extra, [1, "two", None])
        data = activity.to_json()
        self.assertNotIn("object", data)
        self.assertEqual(data["plonesocial:extra"], [1, "two", None])
        self.assertEqual(len(list(self.am.get_by_recipient("bob"))), 1)
        with self.assertRaises(exc.InvalidReference):
            self.am.create(actor="ann", verb="Join")
        with self.assertRaises(exc.InvalidExtra):
            self.am.create(actor="ann", verb="Join", target=("user", "bob"), extra=object())

    def test_notify_drops_a_none_recipient(self):
        self.assertEqual(self.am.notify(["bob", None], subject="Hello"), 1)
        self.assertEqual(self.am.notify([None], subject="Hello"), 0)
        with self.assertRaises(exc.InvalidUserId):
            self.am.notify(["bob", ""], subject="Hello")


class TestDoNotDisturb(unittest.TestCase):
    def test_window_over_midnight_in_the_users_time_zone(self):
        preferences = Preferences("bob")
        preferences.set(timezone="Europe/Berlin", dnd_start="22:00", dnd_end="07:00")
        # 21:30 UTC is 22:30 in Berlin in winter: quiet until 07:00 Berlin, 06:00 UTC.
        self.assertEqual(preferences.dnd_ends(datetime(2026, 1, 5, 21, 30)),
                         datetime(2026, 1, 6, 6, 0))
        self.assertEqual(preferences.dnd_ends(datetime(2026, 1, 6, 5, 0)),
                         datetime(2026, 1, 6, 6, 0))
        self.assertIsNone(preferences.dnd_ends(datetime(2026, 1, 6, 12, 0)))

    def test_bad_hours_are_refused_and_change_nothing(self):
        preferences = Preferences("bob")
        for changes in ({"dnd_start": "22:00"}, {"dnd_start": "25:00", "dnd_end": "07:00"},
                        {"dnd_start": "7", "dnd_end": "8"},
                        {"dnd_start": "07:00", "dnd_end": "07:00"},
                        {"dnd_start": "٠٧:٠٠", "dnd_end": "08:00"}):
            with self.subTest(changes=changes), self.assertRaises(exc.InvalidActivity):
                preferences.set(**changes)
        self.assertIsNone(preferences.dnd_start)
        preferences.set(dnd_start="09:00", dnd_end="17:00")
        preferences.set(dnd_start=None, dnd_end=None)
        self.assertIsNone(preferences.dnd_ends(datetime(2026, 1, 6, 12, 0)))


class TestHostileMutes(unittest.TestCase):
    """Any text as kind, target, duration or hide: stored as given, or refused whole."""

    def test_hostile_input(self):
        from hypothesis import given
        from hypothesis import settings
        from hypothesis import strategies as st

        anything = st.one_of(st.text(max_size=300), st.integers(), st.none(), st.booleans(),
                             st.lists(st.text(max_size=3), max_size=2))

        @settings(max_examples=300, deadline=None)
        @given(kind=st.one_of(st.sampled_from(["activity", "content", "conversation"]), anything),
               target=anything, duration=st.one_of(st.sampled_from(["hour", "day", "week"]),
                                                   anything),
               hide=anything)
        def check(kind, target, duration, hide):
            store = MuteStore()
            try:
                until = until_of(duration)
                mute = store.mute("bob", kind, target, until=until, hide=hide)
            except exc.InvalidInput:
                self.assertEqual(store.mutes("bob"), [])
                return
            self.assertEqual(mute.target, str(target))
            self.assertEqual([m.key for m in store.mutes("bob")], [(kind, str(target))])
            self.assertTrue(store.silences("bob", [(kind, str(target))], mute.created))
            store.check_invariants()

        check()
