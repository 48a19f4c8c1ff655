"""Group conversations on a plain ZODB: the store's rules, and concurrent sends on a
real FileStorage (messages stored once, O(1) writes, exact derived unread counts)."""

from datetime import datetime
from datetime import timedelta
from plonesocial import exc
from plonesocial.messaging.groups import conversation_list
from plonesocial.messaging.groups import Groups
from plonesocial.messaging.groups import KICKED
from plonesocial.messaging.groups import LEFT
from plonesocial.messaging.interfaces import IGroupConversation
from plonesocial.messaging.interfaces import IGroups
from plonesocial.messaging.interfaces import IMembership
from plonesocial.messaging.messaging import Inboxes
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError
from zope.interface.verify import verifyObject

import random
import tempfile
import threading
import time
import transaction
import unittest
import ZODB


T0 = datetime(2026, 1, 1, 12, 0)


def at(seconds):
    return T0 + timedelta(seconds=seconds)


class TestGroupStore(unittest.TestCase):
    def setUp(self):
        self.groups = Groups()
        self.group = self.groups.create("ann", ["bob", "cat"], "  Weekend   trip ", created=at(0))

    def test_interfaces(self):
        verifyObject(IGroups, self.groups)
        verifyObject(IGroupConversation, self.group)
        verifyObject(IMembership, self.group.get_membership("bob"))

    def test_create_validates_before_writing(self):
        groups = Groups()
        for participants, error in ((["bob"], exc.InvalidGroup),
                                    (["bob", "bob"], exc.InvalidGroup),
                                    (["ann", "bob"], exc.InvalidGroup),
                                    ("bob,cat", exc.InvalidGroup),
                                    (["bob", " cat"], exc.InvalidUserId),
                                    (["b", "c", "d"], exc.TooManyParticipants)):
            with self.subTest(participants=participants):
                with self.assertRaises(error):
                    groups.create("ann", participants, max_participants=2)
        with self.assertRaises(exc.InvalidGroup):
            groups.create("ann", ["bob", "cat"], "x" * 201)
        self.assertEqual(groups.group_ids("ann"), [])

    def test_created(self):
        group = self.group
        self.assertEqual((group.title, group.owner, group.participants_count),
                         ("Weekend trip", "ann", 3))
        [created] = group.get_messages("bob")
        self.assertEqual((created.action, created.sender, created.facts["userids"]),
                         ("created", "ann", ("bob", "cat")))
        # The creation is news to the others, not to the creator.
        self.assertEqual((group.unread("ann"), group.unread("bob"), group.unread("cat")),
                         (0, 1, 1))
        self.assertEqual(sorted(self.groups.group_ids("cat")), [group.id])

    def test_messages_stored_once_unread_derived(self):
        group = self.group
        group.send("bob", "Saturday?", at(1))
        group.send("cat", "Yes", at(2))
        self.assertEqual(len(list(group.all_messages())), 3)
        self.assertEqual((group.unread("ann"), group.unread("bob"), group.unread("cat")),
                         (2, 1, 0))
        group.mark_read("ann")
        self.assertEqual(group.unread("ann"), 0)
        self.assertEqual(group.seen_by(group.last_key), ["ann", "cat"])
        with self.assertRaises(exc.NotAParticipant):
            group.send("dan", "let me in", at(3))
        group.check_invariants()

    def test_departed_keep_what_they_received_and_get_nothing_new(self):
        group = self.group
        group.send("bob", "one", at(1))
        group.system("ann", KICKED, at(2), userids=("cat",))
        group.depart("cat", KICKED)
        group.send("bob", "two", at(3))
        texts = [m.text for m in group.get_messages("cat")]
        self.assertEqual(texts, [None, "one", None])  # created, one, the kick
        self.assertEqual(group.unread("cat"), 3)
        group.mark_read("cat")
        self.assertEqual(group.unread("cat"), 0)
        group.send("bob", "three", at(4))
        self.assertEqual(group.unread("cat"), 0)
        with self.assertRaises(exc.NotAParticipant):
            group.send("cat", "hello?", at(5))
        with self.assertRaises(exc.MessageNotFound):
            group.get_message("cat", group.last_key)
        self.assertEqual(group.participants_count, 2)
        group.check_invariants()

    def test_owner_leaving_passes_ownership_to_the_longest_standing(self):
        group = self.group
        self.groups.add(group, ["dan"], created=at(1))
        group.depart("ann", LEFT)
        self.assertEqual(group.owner, "bob")
        group.depart("bob", LEFT)
        self.assertEqual(group.owner, "cat")
        group.check_invariants()

    def test_added_see_messages_from_their_joining(self):
        group = self.group
        group.send("bob", "before", at(1))
        self.groups.add(group, ["dan"], created=at(2))
        group.send("cat", "after", at(3))
        self.assertEqual([m.text for m in group.get_messages("dan")], ["after"])
        self.assertEqual(group.unread("dan"), 1)
        with self.assertRaises(exc.InvalidGroup):
            self.groups.add(group, ["dan"])
        with self.assertRaises(exc.TooManyParticipants):
            self.groups.add(group, ["eve", "fay"], max_participants=4)

    def test_keyset_paging(self):
        group = self.group
        for i in range(10):
            group.send("bob", f"m{i}", at(1 + i))
        first = group.message_ids("ann", 4)
        self.assertEqual([group.get_message("ann", k).text for k in first],
                         ["m9", "m8", "m7", "m6"])
        second = group.message_ids("ann", 4, before=first[-1])
        self.assertEqual([group.get_message("ann", k).text for k in second],
                         ["m5", "m4", "m3", "m2"])
        newer = group.message_ids("ann", 2, after=second[0])
        self.assertEqual([group.get_message("ann", k).text for k in newer], ["m7", "m6"])

    def test_delete_for_everyone(self):
        self.groups.delete(self.group)
        self.assertIsNone(self.groups.get(self.group.id))
        self.assertEqual(self.groups.group_ids("bob"), [])
        self.groups.check_invariants()

    def test_mixed_list_newest_first_with_cursor(self):
        inboxes = Inboxes()
        inboxes.send("zoe", "ann", "1:1 early", created=at(0.5))
        other = self.groups.create("bob", ["ann", "cat"], created=at(1))
        inboxes.send("yan", "ann", "1:1 late", created=at(3))
        self.group.send("cat", "group news", at(2))
        listing = conversation_list(inboxes["ann"], self.groups, "ann", 10)
        names = [getattr(c, "username", None) or c.id for _, c in listing]
        self.assertEqual(names, ["yan", self.group.id, other.id, "zoe"])
        page = conversation_list(inboxes["ann"], self.groups, "ann", 2, before=listing[1][0])
        self.assertEqual([c for _, c in page], [listing[2][1], listing[3][1]])
        self.assertEqual(self.groups.count_unread("ann"), 2)
        self.group.get_membership("ann").muted = True
        self.assertEqual(self.groups.count_unread("ann"), 1)


class TestConcurrentGroupSends(unittest.TestCase):
    """8 participants send at once to one 60-person group (and 1:1 to its owner) on a
    real FileStorage, retrying conflicts as Zope does: nothing lost, every derived
    unread count exact, and each group send writes a bounded number of objects."""

    THREADS = 8
    SENDS = 20
    MEMBERS = 60

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.storage = FileStorage(f"{self.tmp.name}/Data.fs")
        self.db = ZODB.DB(self.storage, pool_size=self.THREADS + 1)
        members = [f"u{i:03d}" for i in range(1, self.MEMBERS)]
        with self.db.transaction() as conn:
            conn.root.inboxes = Inboxes()
            conn.root.groups = Groups()
            group = conn.root.groups.create("u000", members, "Everyone", created=at(0))
            self.group_id = group.id
        self.errors, self.conflicts, self.written = [], 0, []
        self.lock = threading.Lock()

    def tearDown(self):
        self.db.close()
        self.tmp.cleanup()

    def retrying(self, tm, conn, operation):
        for attempt in range(50):
            try:
                tm.begin()
                operation(conn.root)
                tm.commit()
                return
            except ConflictError:
                tm.abort()
                with self.lock:
                    self.conflicts += 1
                # Zope's publisher waits a random, growing time before a retry.
                time.sleep(random.uniform(0, 0.01 * 2 ** min(attempt, 6)))
        raise AssertionError("still conflicting after 50 attempts")

    def test_concurrent_sends(self):
        writers = [f"u{i:03d}" for i in range(1, self.THREADS + 1)]
        barrier = threading.Barrier(self.THREADS)

        def work(index):
            tm = transaction.TransactionManager()
            conn = self.db.open(tm)
            sender = writers[index]
            try:
                barrier.wait()
                for n in range(self.SENDS):
                    def group_send(root, n=n):
                        group = root.groups.get(self.group_id)
                        group.send(sender, f"{sender} {n}", datetime.utcnow())
                        with self.lock:
                            self.written.append(len(conn._registered_objects))
                    self.retrying(tm, conn, group_send)
                    if n % 5 == 0:  # and 1:1 to the owner, into the same inbox list
                        self.retrying(tm, conn, lambda root, n=n: root.inboxes.send(
                            sender, "u000", f"direct {n}"))
                    if n % 7 == 0:
                        self.retrying(tm, conn, lambda root: root.groups.get(
                            self.group_id).mark_read(sender))
            except Exception as error:  # reported by the main thread
                self.errors.append(error)
            finally:
                tm.abort()
                conn.close()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(self.THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        self.assertEqual(self.errors, [])
        with self.db.transaction() as conn:
            groups, inboxes = conn.root.groups, conn.root.inboxes
            groups.check_invariants()
            group = groups.get(self.group_id)
            messages = list(group.all_messages())
            self.assertEqual(len(messages), 1 + self.THREADS * self.SENDS)
            self.assertEqual(group.message_count, len(messages))
            # Who never read: every message is news (the creator read the first).
            for membership in group.participants():
                if membership.userid not in writers and membership.userid != "u000":
                    self.assertEqual(group.unread(membership.userid), len(messages))
            self.assertEqual(group.unread("u000"), len(messages) - 1)
            # The writers' markers count what their transactions saw: unread is
            # what others sent after that, never negative nor more than all.
            for writer in writers:
                self.assertTrue(0 <= group.unread(writer) <= len(messages) - self.SENDS)
                group.mark_read(writer)
                self.assertEqual(group.unread(writer), 0)
            owner_direct = inboxes["u000"].new_messages_count
            self.assertEqual(owner_direct, self.THREADS * len(range(0, self.SENDS, 5)))
            self.assertEqual(groups.count_unread("u000") + owner_direct,
                             len(messages) - 1 + owner_direct)
            listing = conversation_list(inboxes["u000"], groups, "u000", 100)
            keys = [key for key, _ in listing]
            self.assertEqual(keys, sorted(keys, reverse=True))
            self.assertEqual(len(listing), 1 + self.THREADS)
        # A send modifies the bucket, the counter and the sender's Membership
        # (plus tree nodes on a bucket split), never the other 59 Memberships.
        self.assertLessEqual(max(self.written), 5, self.written)
