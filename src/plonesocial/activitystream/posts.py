"""Posts: what members say in their stream or in a context, as activities (Create, a Note).

The activity (in ``activities``) is what streams show and never changes; the
post it names (``Reference("post", uid)``) keeps the words, which its author
may edit, and the edited mark. Reactions, comments and tags are in their own
stores (``reactions``, ``comments``, ``tags``); ``social`` holds them all.
"""

from BTrees.check import check as check_btree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent
from plonesocial import exc


class Post(Persistent):
    """The words of one post; the activity that shows it has `activity_id`."""

    activity_id = None
    images = ()  # plone.namedfile NamedBlobImages (ZODB blobs), in the order given
    edited = None  # UTC datetime of the last edit, or None
    deleted = False  # a tombstone: the words are gone, its comments stay

    def __init__(self, uid, author, text, context, ancestors, created):
        self.uid = uid
        self.author = author
        self.text = text
        self.context = context  # content UUID or None (the author's own stream)
        self.ancestors = tuple(ancestors)  # UUIDs of the context's folders
        self.created = created
        self.mentions = frozenset()  # userids notified of a mention (removed ones go)
        self.tags = frozenset()  # the hashtags, lower case


class PostStore(Persistent):
    """Every post of a site, by uid, and the uids of each author's posts."""

    def __init__(self):
        # post uid -> Post
        self._posts = OOBTree()
        # author userid -> OOTreeSet(post uid): export and erasure
        self._by_author = OOBTree()
        self._count = Length()  # == len(self._posts)

    def add(self, post):
        if post.uid in self._posts:
            raise exc.InvalidActivity(f"post {post.uid!r} exists")
        self._posts[post.uid] = post
        self._count.change(1)
        uids = self._by_author.get(post.author)
        if uids is None:
            uids = self._by_author[post.author] = OOTreeSet()
        uids.insert(post.uid)
        return post

    def get(self, uid, default=None):
        return self._posts.get(uid, default) if isinstance(uid, str) else default

    def remove(self, uid):
        post = self._posts.pop(uid, None)
        if post is None:
            return None
        self._count.change(-1)
        uids = self._by_author.get(post.author)
        if uids is not None and uid in uids:
            uids.remove(uid)
            if not uids:
                del self._by_author[post.author]
        return post

    def of_author(self, userid):
        """The posts of `userid`, a list."""
        return [self._posts[uid] for uid in self._by_author.get(userid, ())
                if uid in self._posts]

    def __len__(self):
        return self._count()

    def check_invariants(self):
        check_btree(self._posts)
        check_btree(self._by_author)
        assert self._count() == len(self._posts), "post counter"
        for author, uids in self._by_author.items():
            for uid in uids:
                assert self._posts[uid].author == author, "post index"
