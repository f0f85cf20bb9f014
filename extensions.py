"""Flask extensions, created here and bound to the app in ``app.create_app``."""
import contextvars
import fcntl
import os
import sqlite3
import threading

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

# Stable constraint names, so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SQLITE_PAGE_SIZE = 1024  # bytes, for new SQLite databases (see _sqlite_pragmas)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, small pages, a busy timeout and foreign keys for SQLite; we issue BEGIN ourselves.

    ``page_size`` only counts while the file is still empty (it must come before WAL), so
    it sets the page size of a new database and leaves an existing one as it is. 1 KiB
    instead of SQLite's 4 KiB: a webhook changes about twenty B-tree pages (the purchase
    row and its indexes, the delivery row, the rollups), and SQLite writes each changed
    page whole to the WAL and copies it back at the checkpoint, so the smaller pages take
    about a sixth off a webhook's cost; bench/revenue reads 1M purchases as fast either way.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


_WRITES = contextvars.ContextVar("tally_writes", default=False)


def expect_writes(writes: bool = True) -> contextvars.Token:
    """Say whether the transactions this context starts from now on will write.

    The caller that owns the transactions says so (blueprints.web for every request by its
    method; the worker and commands where they write); services never do. Returns a token
    for ``_WRITES.reset``.
    """
    return _WRITES.set(writes)


def forget_writes(token: contextvars.Token) -> None:
    _WRITES.reset(token)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """On SQLite, a transaction that will write takes the write lock when it starts.

    A deferred transaction that reads and then writes can fail at once with
    SQLITE_BUSY when another writer got in between; BEGIN IMMEDIATE waits
    (busy_timeout) instead. Readers (a GET) keep plain BEGIN so they never block.
    """
    if conn.dialect.name != "sqlite":
        return
    if _WRITES.get():
        _begin_writing(conn.connection.dbapi_connection, conn.connection.info,
                       conn.engine.url.database)
    else:  # straight to the driver (isolation_level is None): it is run for every transaction
        conn.connection.dbapi_connection.execute("BEGIN")


def _begin_writing(dbapi_connection, info: dict, database: str | None) -> None:
    """A SQLite transaction that will write: the write lock, then BEGIN IMMEDIATE."""
    _take_write_lock(dbapi_connection, info, database)
    dbapi_connection.execute("BEGIN IMMEDIATE")


def _commit_writing(dbapi_connection, info: dict) -> None:
    """COMMIT a SQLite write transaction and give up the write lock at once."""
    dbapi_connection.execute("COMMIT")
    _release(dbapi_connection, info)


def _take_write_lock(dbapi_connection, info: dict, database: str | None) -> None:
    """Queue writers of one SQLite file on an flock before BEGIN IMMEDIATE.

    SQLite's busy handler polls with growing sleeps (1, 2, 5 ... 100 ms), so with several
    worker processes a waiting writer sleeps long after the lock is free; throughput fell
    below one process's. A blocking flock wakes the next writer the moment it is released
    (when the connection goes back to the pool, i.e. right after commit or rollback).
    """
    held = _held_locks.databases
    if database in held and _held_locks.direct == database:
        raise RuntimeError("a second writer in this thread, inside its DirectWrite: on SQLite "
                           "it would wait for the DirectWrite's own write lock")
    if "tally_write_lock" in info or not database or database == ":memory:" or database in held:
        return  # already ours (this connection, or another one of this thread's)
    if "tally_manual_checkpoint" not in info:  # see _Checkpointer
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
        info["tally_manual_checkpoint"] = True
    fd = os.open(database + "-writelock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    info["tally_write_lock"] = (fd, database)
    held.add(database)


class _ThreadLocks(threading.local):
    """This thread's SQLite write locks: the files one of its connections holds the lock of,
    and the file of its open DirectWrite, if any."""

    def __init__(self):
        self.databases: set[str] = set()
        self.direct: str | None = None


_held_locks = _ThreadLocks()


class DirectWrite:
    """A short write transaction straight on a pooled DB-API connection: no ORM session and
    no SQLAlchemy Connection around it. For the webhook receipt, whose statements are all
    ``ledger.compiled.Prepared`` ones (they read only ``dialect`` and
    ``connection.dbapi_connection`` from what they are given, as from a Connection): opening
    and closing a session's transaction costs about 0.2 ms of Python, a fifth of a receipt.

    On SQLite it takes the write lock and BEGIN IMMEDIATE as a writing session does, and gives
    the lock up right after COMMIT. What is not committed when the block ends is rolled back
    (the pool does it when the connection goes back), and the lock is then given up. Not for
    a thread whose session holds a write transaction: on SQLite it would wait for itself, so
    it raises RuntimeError then, as does a session that starts writing while the block holds
    the lock (before ``commit()``).

        with DirectWrite(db.engine) as conn:
            ...  # Prepared statements on conn
            conn.commit()
    """

    def __init__(self, engine):
        self.engine, self.dialect = engine, engine.dialect
        self.connection, self.outer = None, None

    def __enter__(self) -> "DirectWrite":
        database = self.engine.url.database
        if self.dialect.name == "sqlite" and database in _held_locks.databases:
            raise RuntimeError("this thread already holds SQLite's write lock (its session or "
                               "another DirectWrite is writing): this one would wait for it")
        self.outer = _held_locks.direct
        self.connection = self.engine.raw_connection()
        if self.dialect.name == "sqlite":
            try:
                _begin_writing(self.connection.dbapi_connection, self.connection.info, database)
            except BaseException:
                self.connection.close()
                raise
            _held_locks.direct = database
        return self

    def commit(self) -> None:
        if self.dialect.name == "sqlite":
            _commit_writing(self.connection.dbapi_connection, self.connection.info)
        else:
            self.connection.dbapi_connection.commit()

    def __exit__(self, *exc) -> None:
        _held_locks.direct = self.outer
        self.connection.close()


@event.listens_for(Engine, "commit")
def _commit_and_release(conn):
    """Commit a SQLite write transaction here, and give up the write lock at once.

    SQLAlchemy's own commit follows and finds nothing left to commit (the driver's commit
    does nothing outside a transaction). The other writers no longer wait while the session
    does its bookkeeping and returns the connection to the pool: about a third of a webhook
    receipt's time under the lock. A COMMIT that fails raises here, with the lock still held
    until the rollback and the connection's return.
    """
    if "tally_write_lock" in conn.connection.info:
        _commit_writing(conn.connection.dbapi_connection, conn.connection.info)


@event.listens_for(Pool, "checkin")
def _release_write_lock(dbapi_connection, connection_record):
    if connection_record is not None:
        _release(dbapi_connection, connection_record.info)


def _release(dbapi_connection, info) -> None:
    lock = info.pop("tally_write_lock", None)
    if lock is not None:
        try:
            _checkpoint.finish(dbapi_connection)
        finally:  # whatever the checkpoint raises, the lock is given up
            os.close(lock[0])  # closing the descriptor releases the flock
            _held_locks.databases.discard(lock[1])
        _checkpoint.copy_if_due(dbapi_connection)


class _Checkpointer:
    """Copies the WAL back into the database file, mostly outside the write lock.

    SQLite's automatic checkpoint runs inside the COMMIT that fills the WAL, while that
    request still holds the write lock, so every writer waited for it (about a fifth of
    each write's time). Connections that take the write lock turn it off and, every
    ``every`` write transactions of this process, run a PASSIVE checkpoint after releasing
    the lock: it copies the WAL without blocking anyone. Frames other writers added
    meanwhile are copied by a short checkpoint under the lock at the next write (retried
    until it completes), so the WAL is then started over instead of growing.
    """

    def __init__(self, every: int):
        self.every, self.writes, self.unfinished = every, 0, False

    def copy_if_due(self, dbapi_connection) -> None:
        self.writes += 1
        if self.writes >= self.every:
            self.writes = 0
            self._run(dbapi_connection)
            self.unfinished = True

    def finish(self, dbapi_connection) -> None:
        if self.unfinished:
            self.unfinished = not self._run(dbapi_connection)

    @staticmethod
    def _run(dbapi_connection) -> bool:
        """A PASSIVE checkpoint; True when every frame in the WAL was copied."""
        if dbapi_connection is None:  # checked in after being invalidated
            return False
        try:
            busy, frames, copied = dbapi_connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.OperationalError:  # another connection is checkpointing
            return False
        return not busy and frames == copied


_checkpoint = _Checkpointer(every=200)
