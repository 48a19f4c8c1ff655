"""What plonesocial sets on the RelStorage (PostgreSQL) it runs on (issue 13).

RelStorage stages each transaction's objects in a per-connection temporary
table, ``temp_store``, and its commit query (``lock_objects_and_detect_conflicts``)
joins that table with ``object_state``. PostgreSQL's autovacuum never
analyses temporary tables, and the planner assumes a never-analysed table
holds ten pages of rows (hundreds), so on a database of some tens of
thousands of objects it hash-joins: a full scan of ``object_state`` on every
commit (measured: 802 scans for 832 one-object commits, see docs/scaling.md).

Analysing the empty temporary tables once when RelStorage opens a store
connection records that they are small: from then on the planner estimates
them from their actual size at each commit, probes ``object_state``'s primary
key for a small transaction and still hash-joins a bulk one. The query and
its locks are RelStorage's own, unchanged: conflict detection is as before.
"""

import weakref


TEMP_TABLES = ("temp_store", "temp_store_replacements")

# The connections whose temp tables were analysed (psycopg2 connections
# take weak references: a closed and collected one drops out).
_analysed = weakref.WeakSet()


def analyze_temp_tables(cursor, restart=False):
    """A RelStorage on-store-opened hook: ANALYZE the temp tables of a connection, once.

    RelStorage calls its hooks when it opens a store connection and again
    (``restart=True``) before every transaction on it. A connection opened
    before the hook was added (Zope opens the database, and may create its
    root, before the database-opened event) is analysed at its next restart.
    ANALYZE writes the table's size to ``pg_class`` in place, so it holds
    whether or not the transaction it runs in commits.
    """
    connection = cursor.connection
    if connection in _analysed:
        return
    for table in TEMP_TABLES:
        cursor.execute(f"ANALYZE {table}")
    if restart:
        # A connection that committed before keeps the plans it cached then
        # (PL/pgSQL caches the commit query's plan per session): plan afresh.
        cursor.execute("DISCARD PLANS")
    # Committed, as RelStorage's own hook does after creating the tables: the
    # session sees the new statistics from its next transaction on.
    connection.commit()
    _analysed.add(connection)


def tune_storage(storage):
    """Add the hook to a RelStorage on PostgreSQL; return True if it applies.

    Other storages (FileStorage, ZEO, RelStorage on another database) are
    left alone. The hook is added once per storage, whatever calls this.
    """
    # RelStorage has no public accessor for its adapter; its connection
    # manager's hook API (add_on_store_opened) is public.
    adapter = getattr(storage, "_adapter", None)
    connmanager = getattr(adapter, "connmanager", None)
    if connmanager is None or ".postgresql." not in type(adapter).__module__:
        return False
    if not getattr(connmanager, "plonesocial_tuned", False):
        connmanager.add_on_store_opened(analyze_temp_tables)
        connmanager.plonesocial_tuned = True
    return True


def database_opened(event):
    """On Zope's start (IDatabaseOpenedWithRoot): tune the database's storage."""
    tune_storage(event.database.storage)
