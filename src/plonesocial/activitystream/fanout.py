"""The fan-out queue: notifications of large audiences, delivered by a job in chunks.

Jobs run oldest first (FIFO): under sustained large fan-outs a newer job must
not starve an older one. A chunk writes the job (its position) and the lists
it delivers to; the audience, tens of thousands of entries, is an object of
its own, written once.
"""

from BTrees.IOBTree import IOBTree
from BTrees.LOBTree import LOBTree
from persistent import Persistent
from plonesocial.clock import to_key
from plonesocial.clock import utcnow


class Audience(Persistent):
    """Who a FanoutJob delivers to: stored once, apart from the job's progress."""

    def __init__(self, entries):
        # ((userid, reasons), ...) in delivery order
        self.entries = tuple(entries)


class FanoutJob(Persistent):
    """Notifications still to deliver for one event with a large audience."""

    _audience = None  # Audience; jobs queued before it keep theirs in __dict__

    def __init__(self, template, audience, when):
        self.template = template
        self.audience = audience
        self.when = when
        self.position = 0  # audience[:position] is delivered

    @property
    def audience(self):
        if self._audience is None:
            return self.__dict__.get("audience", ())
        return self._audience.entries

    @audience.setter
    def audience(self, entries):
        self.__dict__.pop("audience", None)
        self._audience = Audience(entries)

    @property
    def remaining(self):
        return len(self.audience) - self.position

    def next_chunk(self, size):
        """The next `size` entries (userid, reasons) still to deliver."""
        return self.audience[self.position:self.position + size]

    def advance(self, count):
        """Record that `count` more entries were delivered; return True when done."""
        self.position += count
        return self.position >= len(self.audience)

    def drop_recipient(self, userid):
        """Take `userid` out of what is still to deliver (erasing a user)."""
        rest = self.audience[self.position:]
        if any(recipient == userid for recipient, _ in rest):
            self.audience = self.audience[:self.position] + tuple(
                (recipient, reasons) for recipient, reasons in rest if recipient != userid)

    def replace_body(self, message_type, owner, old, new):
        """Put `new` for the quote `old` in what is still to deliver about `owner`
        (a group message its sender edited or unsent, issue 15)."""
        template = self.template
        if template is not None and template["message_type"] == message_type \
                and template["owner"] == owner and template["body"] == old:
            self.template = dict(template, body=new)
            return True
        return False

    def replace_actor(self, userid, placeholder, name):
        """Put `placeholder` (shown as `name`) for the actor `userid` (erasing a user)."""
        if self.template["actor"] == userid:
            self.template = dict(self.template, actor=placeholder, actor_name=name)
            return True
        return False


class FeedPost(Persistent):
    """What follows a post to a feed (fan-out on read): the followers' mail, digest,
    push and realtime bookkeeping. The posting request stores only this; the first
    worker to take it reads the followers and splits them into FeedSlices that
    several workers deliver in parallel."""

    def __init__(self, notification, followers):
        self.notification = notification  # the FeedNotification
        self.followers = followers  # how many there were at posting time (an estimate)

    @property
    def source(self):
        return self.notification.source

    @property
    def remaining(self):
        return self.followers

    def drop_recipient(self, userid):
        """Nothing to drop: the followers are read when the post is split."""

    def replace_body(self, message_type, owner, old, new):
        return False  # a feed item quotes no message

    def replace_actor(self, userid, placeholder, name):
        if self.notification.actors and self.notification.actors[0] == userid:
            self.notification.replace_actor(userid, placeholder)
            return True
        return False


class FeedSlice(FanoutJob):
    """Some followers of a feed item still to give their mail and digest bookkeeping."""

    def __init__(self, notification, followers, when):
        super().__init__(None, followers, when)
        self.notification = notification

    @property
    def source(self):
        return self.notification.source

    def replace_actor(self, userid, placeholder, name):
        return False  # the FeedPost's item is shared: replaced once, by the store


class FanoutQueue(Persistent):
    """The jobs waiting, oldest first.

    The slices of a feed post go to one tree per worker number: a worker
    removes the slices it finished from its own tree, so parallel workers
    never write the same bucket.
    """

    # worker number -> LOBTree(job id -> FeedSlice); created by the first feed post
    _slices = None

    def __init__(self):
        # job id (UTC µs, increasing) -> FanoutJob: key order is queue order
        self._jobs = LOBTree()

    @classmethod
    def from_tree(cls, tree):
        """A queue of the jobs in a tree of the layout before the split, which was
        keyed by -job id (newest first): they are re-keyed by their id, oldest first.
        Jobs are few (one per large fan-out still running): re-keying is cheap."""
        queue = cls()
        for key, job in tree.items():
            queue.put(-key, job)
        return queue

    def put(self, job_id, job):
        self._jobs[job_id] = job

    def add(self, template, audience, when):
        """Queue the delivery of `template` to `audience` ((userid, reasons), ...)."""
        job_id = to_key(utcnow())
        # Ids only grow: a job queued in the same microsecond as the newest (or
        # under a clock set back) still goes after it.
        if self._jobs and job_id <= self._jobs.maxKey():
            job_id = self._jobs.maxKey() + 1
        job = self._jobs[job_id] = FanoutJob(template, audience, when)
        return job

    def add_feed_post(self, notification, followers):
        """Queue the bookkeeping of a feed item for the followers of its source."""
        return self._put_new(FeedPost(notification, followers))

    def add_feed_slices(self, notification, followers, when, size, workers=1):
        """Queue FeedSlices of `size` followers each ((userid, reasons), ...), dealt
        to the trees of `workers` workers in turn."""
        if self._slices is None:
            self._slices = IOBTree()
        job_id = to_key(utcnow())
        if self._jobs and job_id <= self._jobs.maxKey():
            job_id = self._jobs.maxKey() + 1
        made = []
        for number, start in enumerate(range(0, len(followers), size)):
            tree = self._slices.get(number % workers)
            if tree is None:
                tree = self._slices[number % workers] = LOBTree()
            while job_id in tree:
                job_id += 1
            made.append(FeedSlice(notification, followers[start:start + size], when))
            tree[job_id] = made[-1]
            job_id += 1
        return made

    def _all_jobs(self):
        yield from self._jobs.items()
        for tree in (self._slices or {}).values():
            yield from tree.items()

    def _put_new(self, job):
        job_id = to_key(utcnow())
        if self._jobs and job_id <= self._jobs.maxKey():
            job_id = self._jobs.maxKey() + 1
        self._jobs[job_id] = job
        return job

    def jobs(self, worker=0, workers=1):
        """The jobs, oldest first (a list: delivering removes finished ones); with
        several `workers`, those of `worker` (0 <= worker < workers): job id modulo
        workers, so parallel workers never take the same job."""
        if workers <= 1:
            return sorted(self._all_jobs(), key=lambda pair: pair[0])
        mine = [(job_id, job) for job_id, job in self._jobs.items()
                if job_id % workers == worker]
        for number, tree in (self._slices or {}).items():
            if number % workers == worker:
                mine += tree.items()
        return sorted(mine, key=lambda pair: pair[0])

    def remove(self, job_id):
        if job_id in self._jobs:
            del self._jobs[job_id]
            return
        for tree in (self._slices or {}).values():
            if job_id in tree:
                del tree[job_id]
                return

    def remaining(self):
        """How many deliveries wait, all jobs together."""
        return sum(job.remaining for _, job in self._all_jobs())

    def __len__(self):
        return sum(1 for _ in self._all_jobs())  # a handful of jobs, never a large tree

    def drop_recipient(self, userid):
        for _, job in self._all_jobs():
            job.drop_recipient(userid)

    def replace_actor(self, userid, placeholder, name):
        return sum(1 for _, job in self._all_jobs()
                   if job.replace_actor(userid, placeholder, name))

    def replace_body(self, message_type, owner, old, new):
        """Put `new` for the quote `old` in the queued jobs about `owner`; return how many."""
        return sum(1 for _, job in self._jobs.items()
                   if job.replace_body(message_type, owner, old, new))

