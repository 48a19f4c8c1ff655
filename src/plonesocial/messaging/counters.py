"""The counters of an inbox in one persistent object (issue 13).

An inbox counts its conversations and the new messages it received. Two
``BTrees.Length`` objects made a first message write both on the recipient's
side; one ``InboxCounts`` is one object written. Like ``Length``, it resolves
write conflicts by adding up the concurrent changes, of each counter apart,
so any number of senders can count into one inbox and the totals stay exact.
"""

from persistent import Persistent


class InboxCounts(Persistent):
    """How many conversations an inbox has, and how many new messages it received."""

    conversations = 0
    unread = 0

    # The state is a pair of ints, the smallest pickle that holds both.
    def __getstate__(self):
        return (self.conversations, self.unread)

    def __setstate__(self, state):
        self.conversations, self.unread = state

    def change(self, conversations=0, unread=0):
        """Add to the counters; a change of nothing writes nothing."""
        if conversations:
            self.conversations += conversations
        if unread:
            self.unread += unread

    def _p_resolveConflict(self, old, committed, new):
        # Both transactions started from `old`: keep the changes of both.
        return tuple(c + n - o for o, c, n in zip(old, committed, new, strict=True))
