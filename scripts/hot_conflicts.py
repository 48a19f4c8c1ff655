"""Count the write conflicts of many people sending to one person at once (issue 13).

    PYTHONPATH=$PWD/src .venv/bin/python scripts/hot_conflicts.py [--threads 16]
        [--sends 100] [--users 2000] [--no-inboxes] [--warm N] [--own-senders]

Threads of one process (one FileStorage in a temporary directory, one ZODB
database) each send --sends messages from random users of --users to "hot",
committing each and retrying a conflict at once, up to four times (no waiting,
unlike Zope: this counts conflicts, `make bench` S2 times them). The users'
inboxes exist first unless --no-inboxes. Prints the seconds, the conflicts by
the class of the object they were about ("read:" for a read conflict), and the
sends that failed five times (which must be 0).

Two options tell the causes apart:

- --warm N: "hot" has a conversation with each of the first N users before the
  threads start, as on a site in use (its order and conversations already in
  shards), so the one-time moves of a new inbox are left out;
- --own-senders: each thread sends from users of its own (those whose number
  is the thread's modulo --threads), so no two threads send as the same person
  at once. Two sends of one person to "hot" at the same moment write the same
  two conversations, a conflict no layout avoids; without this option the
  random draw makes that happen about once in (--users / --threads) sends.
"""

from pathlib import Path

import argparse
import collections
import random
import sys
import tempfile
import threading
import time


sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from plonesocial.messaging.messaging import Inboxes  # noqa: E402
from ZODB.FileStorage import FileStorage  # noqa: E402
from ZODB.POSException import ConflictError  # noqa: E402

import transaction  # noqa: E402
import ZODB  # noqa: E402


ATTEMPTS = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--sends", type=int, default=100, help="per thread")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--no-inboxes", action="store_true",
                        help="the senders have no inbox yet (their first message makes it)")
    parser.add_argument("--warm", type=int, default=0,
                        help="conversations of the first N users with the hot person first")
    parser.add_argument("--own-senders", action="store_true",
                        help="each thread sends from users of its own")
    args = parser.parse_args()

    folder = tempfile.mkdtemp()
    db = ZODB.DB(FileStorage(f"{folder}/Data.fs"), cache_size=30000,
                 pool_size=args.threads + 1)
    tm = transaction.TransactionManager()
    conn = db.open(tm)
    conn.root.inboxes = Inboxes()
    if not args.no_inboxes:
        for user in range(args.users):
            conn.root.inboxes.get_inbox(f"u{user}", create=True)
    tm.commit()
    for user in range(args.warm):
        conn.root.inboxes.send(f"u{user}", "hot", "before")
        if user % 500 == 499:
            tm.commit()
    tm.commit()
    conn.close()
    conflicts, failed = collections.Counter(), []

    def sender(number):
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        rnd = random.Random(number)
        for n in range(args.sends):
            if args.own_senders:  # the thread's own: number, number + threads, ...
                mine = range(number, args.users, args.threads)
                user = f"u{mine[rnd.randrange(len(mine))]}"
            else:
                user = f"u{rnd.randrange(args.users)}"
            for attempt in range(ATTEMPTS):
                try:
                    tm.begin()
                    conn.root.inboxes.send(user, "hot", f"message {number}-{n}")
                    tm.commit()
                    break
                except ConflictError as error:
                    tm.abort()
                    # As Zope does, wait a moment before retrying (it waits up to 1,
                    # 2, 4 s; ms here): retried at once, two sends of one person
                    # collided again and again and gave up (1 run in about 50).
                    time.sleep(rnd.uniform(0, 0.005 * 2 ** attempt))
                    name = getattr(error, "class_name", None)
                    if not name:  # a read conflict names the object only
                        name = "read:" + type(conn.get(error.oid)).__name__
                    conflicts[name] += 1
            else:
                failed.append(user)
        conn.close()

    started = time.time()
    threads = [threading.Thread(target=sender, args=(n,)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.time() - started
    tm = transaction.TransactionManager()
    conn = db.open(tm)
    conn.root.inboxes.check_invariants()
    sent = args.threads * args.sends - len(failed)
    print(f"{args.threads} threads x {args.sends} sends to one person: {seconds:.2f} s, "
          f"{sum(conflicts.values())} conflicts, {len(failed)} failed, "
          f"{conn.root.inboxes['hot'].new_messages_count - args.warm} unread of {sent} sent")
    for name, count in conflicts.most_common():
        print(f"  {count:5}  {name}")
    conn.close()
    db.close()


if __name__ == "__main__":
    main()
