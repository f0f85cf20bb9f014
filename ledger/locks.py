"""Serialising writers that check for an earlier row before inserting (EnderPay's dedupe).

A unique constraint cannot see "the same body in the previous 10-minute bucket", so those
writers look first and insert second. On PostgreSQL two such transactions could both look
before either commits; a transaction-scoped advisory lock per id makes the second wait
for the first. SQLite needs none: every writer already holds the database's write lock.
"""
import hashlib

from sqlalchemy import text

from extensions import db

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def hold(*names: str) -> None:
    """Take the advisory locks for ``names`` until the transaction ends (sorted: no deadlock)."""
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)
        conn.execute(_LOCK, {"key": key})


def dedupe_names(server_id: int, store: str, event) -> list[str]:
    """The lock names for an event's id and the aliases it must not repeat."""
    return names(server_id, store, (event_id(event), *event.duplicate_if_recorded))


def names(server_id: int, store: str, ids) -> list[str]:
    """The lock name of each id, or deduplication key, of one Server's store."""
    return [f"{server_id}:{store}:{i}" for i in ids]


def event_id(event) -> str:
    return getattr(event, "transaction_id", None) or event.external_id
