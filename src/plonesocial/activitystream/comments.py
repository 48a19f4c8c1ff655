"""Comments on activities (posts and content activities alike), one level of replies.

One ``Thread`` per activity that has comments: a commenter writes only that
thread, and its counter is a ``Length``.
"""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.LLBTree import LLBTree
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial.clock import from_key
from plonesocial.clock import to_key
from zope.interface import implementer
from zope.interface import Interface


class IActivityComment(Interface):
    """A comment on an activity (serialized for REST by serializers.social)."""


@implementer(IActivityComment)
class Comment(Persistent):
    """One comment; `parent` is the id of the comment it replies to, or None."""

    edited = None
    deleted = False  # a tombstone, kept while replies answer it
    mentions = frozenset()
    tags = frozenset()

    def __init__(self, id, activity_id, author, text, parent=None):
        self.id = id
        self.activity_id = activity_id
        self.author = author
        self.text = text
        self.parent = parent

    @property
    def created(self):
        return from_key(self.id)


class Thread(Persistent):
    """The comments of one activity, oldest first."""

    def __init__(self, activity_id):
        self.activity_id = activity_id
        # comment id -> Comment, oldest first
        self._comments = LOBTree()
        self._count = Length()  # comments that are not tombstones
        # userid -> number of their comments here (who hears of new ones)
        self._commenters = OOBTree()

    def add(self, author, text, parent, when):
        id_ = to_key(when)
        while id_ in self._comments:
            id_ += 1
        comment = Comment(id_, self.activity_id, author, text, parent)
        self._comments[id_] = comment
        self._count.change(1)
        self._commenters[author] = self._commenters.get(author, 0) + 1
        return comment

    def get(self, comment_id):
        if isinstance(comment_id, bool) or not isinstance(comment_id, int):
            return None
        return self._comments.get(comment_id)

    def comments(self):
        return list(self._comments.values())

    def replies(self, comment_id):
        return [c for c in self._comments.values() if c.parent == comment_id]

    def commenters(self):
        """Who commented here (and has a comment left), oldest first not kept: sorted."""
        return list(self._commenters.keys())

    def count(self):
        return self._count()

    def last(self):
        """The id of the newest comment, or None."""
        return self._comments.maxKey() if self._comments else None

    def remove(self, comment):
        """Delete `comment`: a tombstone while replies answer it, else gone."""
        if not comment.deleted:
            self._count.change(-1)
            left = self._commenters.get(comment.author, 1) - 1
            if left > 0:
                self._commenters[comment.author] = left
            elif comment.author in self._commenters:
                del self._commenters[comment.author]
        if self.replies(comment.id):
            comment.deleted = True
            comment.text = ""
            return
        del self._comments[comment.id]
        parent = self.get(comment.parent) if comment.parent else None
        if parent is not None and parent.deleted and not self.replies(parent.id):
            del self._comments[parent.id]

    def check_invariants(self):
        check_btree(self._comments)
        alive = [c for c in self._comments.values() if not c.deleted]
        assert self._count() == len(alive), "comment counter"
        counted = {}
        for comment in alive:
            counted[comment.author] = counted.get(comment.author, 0) + 1
        assert counted == dict(self._commenters.items()), "commenters"


class CommentStore(Persistent):
    """The threads of a site, the comments of each author (export and erasure), and
    the activities by their last comment (the timeline sorted by last activity)."""

    def __init__(self):
        # activity id -> Thread
        self._threads = LOBTree()
        # author userid -> OOTreeSet((activity id, comment id))
        self._by_author = OOBTree()
        # -id of the newest comment -> activity id: commented activities, lifted
        self._lifted = LLBTree()
        # activity id -> id of its newest comment (its key in _lifted, negated)
        self._lift = LLBTree()

    def lift(self, activity_id, comment_id):
        """Note that `activity_id` was last active at `comment_id` (a time key)."""
        previous = self._lift.get(activity_id)
        if previous is not None and -previous in self._lifted:
            del self._lifted[-previous]
        self._lift[activity_id] = comment_id
        self._lifted[-comment_id] = activity_id

    def unlift(self, activity_id):
        previous = self._lift.pop(activity_id, None)
        if previous is not None and -previous in self._lifted:
            del self._lifted[-previous]

    def last_active(self, activity_id):
        """The time key of the newest comment of `activity_id`, or None."""
        return self._lift.get(activity_id)

    def lifted_keys(self, **bounds):
        """-time keys of the commented activities, most recently active first."""
        return self._lifted.keys(**bounds)

    def lifted_activity(self, key):
        return self._lifted.get(key)

    def thread(self, activity_id, create=False):
        thread = self._threads.get(activity_id)
        if thread is None and create:
            thread = self._threads[activity_id] = Thread(activity_id)
        return thread

    def add(self, activity_id, author, text, parent, when):
        comment = self.thread(activity_id, create=True).add(author, text, parent, when)
        keys = self._by_author.get(author)
        if keys is None:
            keys = self._by_author[author] = OOTreeSet()
        keys.insert((activity_id, comment.id))
        return comment

    def count(self, activity_id):
        thread = self._threads.get(activity_id)
        return 0 if thread is None else thread.count()

    def remove(self, comment):
        thread = self._threads[comment.activity_id]
        thread.remove(comment)
        keys = self._by_author.get(comment.author)
        if keys is not None and (comment.activity_id, comment.id) in keys:
            keys.remove((comment.activity_id, comment.id))

    def remove_thread(self, activity_id):
        """Forget every comment of an activity (its post is gone); return them."""
        self.unlift(activity_id)
        thread = self._threads.pop(activity_id, None)
        if thread is None:
            return []
        comments = thread.comments()
        for comment in comments:
            keys = self._by_author.get(comment.author)
            if keys is not None and (activity_id, comment.id) in keys:
                keys.remove((activity_id, comment.id))
        return comments

    def of_author(self, userid):
        found = []
        for activity_id, comment_id in self._by_author.get(userid, ()):
            thread = self._threads.get(activity_id)
            comment = thread.get(comment_id) if thread is not None else None
            if comment is not None:
                found.append(comment)
        return found

    def check_invariants(self):
        check_btree(self._threads)
        for thread in self._threads.values():
            thread.check_invariants()
        assert len(self._lifted) == len(self._lift), "lift index"
        for activity_id, comment_id in self._lift.items():
            assert self._lifted[-comment_id] == activity_id, "lift index"
