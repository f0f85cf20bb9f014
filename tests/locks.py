"""Waiting, without sleeping a guessed time, until another transaction is blocked on a lock."""
import os
import time
from pathlib import Path

from sqlalchemy import create_engine, text


def wait_until_blocked(app, timeout: float = 10.0) -> None:
    """Return once some transaction of this test waits for a lock: on PostgreSQL a session
    waiting on a lock (pg_stat_activity), on SQLite a writer of this process waiting for the
    write lock's flock (/proc/locks marks waiters with "->")."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    check = _postgres_waiters(url) if url.startswith("postgresql") else _flock_waiters
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    raise AssertionError("no transaction became blocked on a lock")


def _flock_waiters() -> bool:
    pid = str(os.getpid())
    return any("->" in line and "FLOCK" in line and pid in line.split()
               for line in Path("/proc/locks").read_text().splitlines())


def _postgres_waiters(url: str):
    engine = create_engine(url)

    def check() -> bool:
        with engine.connect() as conn:
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")))
    return check
