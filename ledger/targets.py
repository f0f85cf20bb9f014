"""Which Server and integration a delivery is for, read outside any write transaction.

The webhook path reads the target before its write transaction starts (on SQLite, before
the write lock), and each process keeps what it read for two seconds (``Targets``), so a
busy store's deliveries do not each read it. That copy is only a guess: the write
transaction checks the secret and settings again (ledger.ingest).
"""
from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import NamedTuple

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from events import SignatureError
from extensions import db
from ledger import prepared
from ledger.crypto import SecretBox
from ledger.per_database import PerDatabase
from models import Integration, Server


class ServerRef(NamedTuple):
    """What the pipeline needs of the Server (a snapshot; load the model for anything else)."""

    id: int
    network_id: int


class IntegrationRef(NamedTuple):
    """What the pipeline needs of the integration, as read (see Targets)."""

    id: int
    store: str
    secret_encrypted: bytes
    settings: dict
    last_delivery_at: datetime | None  # written at most once a second (ledger.ingest._touch)


def read(project_id: str, store: str) -> tuple[ServerRef | None, IntegrationRef | None]:
    """The Server with ``project_id`` and its ``store`` integration, on a connection of its own."""
    rows = prepared.TARGET.read({"project_id": project_id, "store": store})
    if not rows:
        return None, None
    row = rows[0]
    server = ServerRef(row[0], row[1])
    return server, (IntegrationRef(row[2], store, *row[3:]) if row[2] is not None else None)


def find(project_id: str, store: str) -> tuple[Server | None, Integration | None]:
    """The Server and its ``store`` integration as models, in the session (ledger.gateway)."""
    server = db.session.scalar(select(Server).filter_by(project_id=project_id))
    if server is None:
        return None, None
    return server, db.session.scalar(select(Integration).filter_by(server_id=server.id,
                                                                   store=store))


def secret(box: SecretBox, encrypted: bytes) -> str:
    """The integration's secret; SignatureError when it cannot be read (SECRET_KEY changed)."""
    try:
        return box.decrypt(encrypted)
    except InvalidToken:
        raise SignatureError("the stored secret cannot be read; regenerate it") from None


class Targets:
    """Each recent (projectId, store)'s Server and integration, per database and process.

    An entry is kept for ``KEEP`` seconds. A regenerate, a disconnect, a settings change or
    a deleted Server in any process still counts at once: the write transaction re-reads
    the secret and settings, and a delivery refused on a kept entry is checked again with a
    fresh read (ledger.ingest). Only connected integrations are kept.
    """

    KEEP = 2.0  # seconds
    MAX_ENTRIES = 10_000

    def __init__(self):
        self.entries: dict[tuple[str, str], tuple[float, ServerRef, IntegrationRef]] = {}
        self.lock = threading.Lock()

    def get(self, project_id: str, store: str, fresh: bool = False):
        """(server, integration, kept): the kept entry unless ``fresh`` or too old."""
        key = (project_id, store)
        entry = None if fresh else self.entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < self.KEEP:
            return entry[1], entry[2], True
        server, integration = read(project_id, store)
        with self.lock:
            if integration is None:
                self.entries.pop(key, None)
            else:
                if len(self.entries) >= self.MAX_ENTRIES:
                    self.entries.clear()
                self.entries[key] = (time.monotonic(), server, integration)
        return server, integration, False

    def touched(self, project_id: str, store: str, when: datetime) -> None:
        """Remember that a delivery was just accepted (ledger.ingest wrote last_delivery_at,
        at most once a second), so the next ones skip that."""
        with self.lock:
            entry = self.entries.get((project_id, store))
            if entry is not None:
                stamp, server, integration = entry
                self.entries[(project_id, store)] = (
                    stamp, server, integration._replace(last_delivery_at=when))


# This process's kept targets for one database: ``kept(db.engine)``.
kept = PerDatabase(Targets)
