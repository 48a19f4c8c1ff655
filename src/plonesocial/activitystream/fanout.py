"""The fan-out queue: notifications of large audiences, delivered by a job in chunks.

Jobs run oldest first (FIFO): under sustained large fan-outs a newer job must
not starve an older one. A chunk writes the job (its position) and the lists
it delivers to; the audience, tens of thousands of entries, is an object of
its own, written once.
"""

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

    def replace_actor(self, userid, placeholder, name):
        """Put `placeholder` (shown as `name`) for the actor `userid` (erasing a user)."""
        if self.template["actor"] == userid:
            self.template = dict(self.template, actor=placeholder, actor_name=name)
            return True
        return False


class FanoutQueue(Persistent):
    """The jobs waiting, oldest first."""

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

    def jobs(self):
        """The jobs, oldest first (a list: delivering removes finished ones)."""
        return list(self._jobs.items())

    def remove(self, job_id):
        del self._jobs[job_id]

    def remaining(self):
        """How many deliveries wait, all jobs together."""
        return sum(job.remaining for job in self._jobs.values())

    def __len__(self):
        return len(self._jobs)  # a handful of jobs, never a large tree

    def drop_recipient(self, userid):
        for job in self._jobs.values():
            job.drop_recipient(userid)

    def replace_actor(self, userid, placeholder, name):
        return sum(1 for job in self._jobs.values()
                   if job.replace_actor(userid, placeholder, name))

