"""The storages the stress run and the benchmarks use: FileStorage, ZEO, RelStorage.

Each backend starts its storage (a temporary FileStorage file, a real
``runzeo`` process, a real PostgreSQL database), optionally from a prepared
``Data.fs`` (``base``), and opens ZODB databases on it. ``spec()`` is a JSON-able
description that another process passes to ``open_db`` to open its own
connection to the same storage (FileStorage allows one process only).
"""

from pathlib import Path

import shutil
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_data(base, path):
    """Copy a Data.fs and, when there is one, its index (rebuilding it reads the whole file)."""
    shutil.copyfile(base, path)
    if Path(f"{base}.index").exists():
        shutil.copyfile(f"{base}.index", f"{path}.index")


def wait_for_port(port, what, tries=150):
    for _ in range(tries):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start on port {port}")


def psql(sql, database="postgres"):
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atqc", sql],
        check=True, stdout=subprocess.PIPE, text=True).stdout


def postgresql_available():
    try:
        psql("SELECT 1")
        return True
    except (OSError, subprocess.SubprocessError):
        return False


class Backend:
    """What every backend shares: one database of this process, opened when first used."""

    db = None
    multiprocess = True

    def open_db(self):
        if self.db is None:
            self.db = open_db(self.spec())
        return self.db

    def close_db(self):
        if self.db is not None:
            self.db.close()
            self.db = None

    def stop(self):
        self.close_db()


class FileStorageBackend(Backend):
    name = "filestorage"
    label = "FileStorage"
    multiprocess = False  # one process owns a Data.fs: writers are threads

    def __init__(self, workdir, base=None):
        self.path = Path(workdir) / "Data.fs"
        self.base = base

    def start(self):
        if self.base:
            copy_data(self.base, self.path)

    def open_db(self):
        """The one database of this process (opened on first use)."""
        if self.db is None:
            from ZODB.FileStorage import FileStorage

            import ZODB

            # A connection per writer thread (up to 16) without pool warnings.
            self.db = ZODB.DB(FileStorage(str(self.path)), cache_size=30000, pool_size=32)
        return self.db

    def spec(self):
        return {"storage": "filestorage", "path": str(self.path)}


class ZEOBackend(Backend):
    name = "zeo"
    label = "ZEO"
    multiprocess = True

    def __init__(self, workdir, base=None):
        self.port = free_port()
        self.workdir = Path(workdir)
        self.base = base
        self.config = self.workdir / "zeo.conf"
        self.config.write_text(f"<zeo>\n  address 127.0.0.1:{self.port}\n</zeo>\n"
                               f"<filestorage 1>\n  path {workdir}/Data.fs\n</filestorage>\n")
        self.server = None

    def start(self):
        if self.base and self.server is None and not (self.workdir / "Data.fs").exists():
            copy_data(self.base, self.workdir / "Data.fs")
        runzeo = Path(sys.executable).parent / "runzeo"
        self.server = subprocess.Popen([str(runzeo), "-C", str(self.config)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, "the ZEO server")

    def _end_server(self):
        if self.server is None:
            return
        self.server.terminate()
        try:
            self.server.wait(20)
        except subprocess.TimeoutExpired:
            # Busy clients can keep it from shutting down: the hard way, which
            # FileStorage survives (it truncates an unfinished transaction).
            self.server.kill()
            self.server.wait(20)

    def stop(self):
        self.close_db()
        self._end_server()

    def interrupt(self):
        """Restart the server: clients lose their connection and reconnect."""
        self._end_server()
        time.sleep(0.5)
        self.start()

    def spec(self):
        return {"storage": "zeo", "port": self.port}


class RelStorageBackend(Backend):
    name = "relstorage"
    label = "RelStorage/PG"
    multiprocess = True

    def __init__(self, workdir, base=None, database="plonesocial_stress", tuned=True):
        self.database = database
        self.tuned = tuned
        self.base = base
        self.dsn = f"dbname='{database}' host='127.0.0.1' user='postgres'"

    def start(self):
        psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        psql(f"CREATE DATABASE {self.database}")
        if self.base:
            self.copy_from(self.base)

    def copy_from(self, path):
        """Copy every transaction of a FileStorage into the database (as zodbconvert)."""
        from ZODB.FileStorage import FileStorage

        source = FileStorage(str(path), read_only=True)
        destination = open_storage(self.spec())
        try:
            destination.copyTransactionsFrom(source)
        finally:
            destination.close()
            source.close()
        # After a bulk load the planner must know the tables' sizes (the
        # server may run without autovacuum): see docs/scaling.md.
        psql("VACUUM ANALYZE", self.database)

    def interrupt(self):
        """Terminate every connection to the database: clients must reconnect."""
        psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             f"WHERE datname = '{self.database}' AND pid <> pg_backend_pid()")

    def spec(self):
        return {"storage": "relstorage", "dsn": self.dsn, "tuned": self.tuned}


BACKENDS = {backend.name: backend
            for backend in (FileStorageBackend, ZEOBackend, RelStorageBackend)}


def open_storage(spec):
    if spec["storage"] == "filestorage":
        from ZODB.FileStorage import FileStorage

        return FileStorage(spec["path"])
    if spec["storage"] == "zeo":
        import ZEO

        return ZEO.client(("127.0.0.1", spec["port"]), wait_timeout=60)
    from plonesocial.relstorage_tuning import tune_storage
    from relstorage.adapters.postgresql import PostgreSQLAdapter
    from relstorage.options import Options
    from relstorage.storage import RelStorage

    options = Options(keep_history=False)
    storage = RelStorage(PostgreSQLAdapter(dsn=spec["dsn"], options=options), options=options)
    if spec.get("tuned", True):  # as a site runs it (docs/scaling.md); --untuned: without
        tune_storage(storage)
    return storage


def open_db(spec, cache_size=30000, pool_size=7):
    """Open a new database on the storage `spec` describes (a cold cache).

    `pool_size`: the connections it keeps open without a warning (ZODB's
    default 7); a process whose threads each use one needs as many.
    """
    import ZODB

    return ZODB.DB(open_storage(spec), cache_size=cache_size, pool_size=pool_size)
