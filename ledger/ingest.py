"""The webhook pipeline, shared by every store.

find the integration -> store module verifies -> store module parses ->
record every event -> log the delivery -> commit -> reply.

Nothing is answered 200 before the commit, and every attempt (good or bad)
leaves a Delivery row, so an owner can see why a store's delivery failed.
A handler may shape the 200 reply body (validation handshakes, verification answers).

This is the hot path. The integration is read and the body verified and parsed before
the write transaction (on SQLite: before the write lock); the writes are prepared
statements on the DB-API connection (ledger.prepared); a duplicate is an
INSERT ... ON CONFLICT DO NOTHING that returns no row. Per process, the decrypted secret
is cached, and so is each integration for two seconds (``_Targets``): the write
transaction re-reads its secret and settings anyway, and a refused delivery reads it again.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from extensions import db
from ledger import deliveries, purchases, reversals, signatures, store_events, verification
from ledger.prepared import Prepared
from ledger.secrets import decrypt
from models import Delivery, Integration, Server
from models.base import utcnow
from providers.base import (IgnoredEvent, MatchedReversalEvent, PayloadError, PurchaseEvent,
                            ReplyEvent, ReversalEvent, SignatureError, StoreActivityEvent,
                            VerificationRequest)

ACCEPTED, DUPLICATE, IGNORED = "accepted", "duplicate", "ignored"
ATTEMPTS = 3  # verifications of one delivery when its integration changes meanwhile
# An integration's last_delivery_at (shown to the minute) is kept to the second: a busy
# store's deliveries do not all write (and, on PostgreSQL, queue on) that one row.
TOUCH_AFTER = timedelta(seconds=1)

DELIVERIES = Delivery.__table__
INTEGRATIONS = Integration.__table__
_DELIVERY_COLUMNS = ("server_id", "store", "received_at", "status_code", "outcome", "reason",
                     "latency_ms", "size", "body", "transaction_id")
_INSERT_DELIVERY = Prepared(insert(DELIVERIES).returning(DELIVERIES.c.id), _DELIVERY_COLUMNS)
_FINISH_DELIVERY = Prepared(update(DELIVERIES).where(DELIVERIES.c.id == bindparam("delivery_id"))
                            .values(outcome=bindparam("outcome"), reason=bindparam("reason")))
_TOUCH_INTEGRATION = Prepared(
    update(INTEGRATIONS).where(INTEGRATIONS.c.id == bindparam("integration_id"))
    .values(last_delivery_at=bindparam("last_delivery_at")))
_CURRENT = Prepared(select(INTEGRATIONS.c.secret_encrypted, INTEGRATIONS.c.settings)
                    .where(INTEGRATIONS.c.id == bindparam("integration_id")))


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict


@dataclass(frozen=True)
class Handled:
    """What a handler did with one event. Handlers may also return a bool (True: accepted).

    ``reply``: a body for the 200 answer instead of {"status": ...} (the first one wins);
    ``note``: why nothing changed on purpose, kept as the delivery's reason.
    """

    outcome: str  # accepted, duplicate or ignored
    reply: dict | None = None
    note: str | None = None


@dataclass(frozen=True)
class DeliveryRef:
    """The Delivery row being written for this attempt (event handlers read its id), and the
    connection of the transaction writing it (the hot path passes it on, not asking the
    session again)."""

    id: int
    conn: object = None


def receive(module, project_id: str | None, body: bytes, headers, query, started: float) -> Reply:
    """Handle one delivery for the store ``module``; returns the HTTP reply to send.

    The integration is read, and the body verified and parsed, before the write transaction
    starts (on SQLite, before taking the write lock). The write transaction first checks
    that the secret and settings used are still the integration's; if they changed (or it
    was disconnected) meanwhile, the delivery is checked again from the start.
    """
    log = _Log(module.NAME, body, started)
    if not project_id:
        return log.reject(None, 400, "projectId query parameter is missing")
    targets = _Targets.of_app()
    fresh = False
    for _ in range(ATTEMPTS):
        server, integration, cached = targets.get(project_id, module.NAME, fresh)
        if integration is None:
            reason = f"{module.NAME} is not connected on this Server" if server else "unknown projectId"
            return log.reject(server, 404, reason, connected=False)
        verified = False
        try:
            module.verify(body, headers, _secret(integration.secret_encrypted), query)
            verified = True
            events = module.parse(body, log.received_at, integration.settings or {})
            claim = _single_use_signature(module, headers)
        except (SignatureError, PayloadError) as exc:
            if cached:  # the secret or settings may have changed, or the Server gone, meanwhile
                fresh = True
                continue
            return log.reject(server, 401 if isinstance(exc, SignatureError) else 400, str(exc),
                              verified=verified)
        reply = _record(server, integration, events, log,
                        lambda when: targets.touched(project_id, module.NAME, when), claim)
        if reply is not None:
            return reply
        fresh = True
    return log.reject(server, 503, "the integration's secret or settings kept changing "
                                   "while this delivery was checked; send it again")


def refuse(module, project_id: str | None, status: int, reason: str, started: float,
           size: int | None = None) -> Reply:
    """Refuse a delivery before reading it (413: too large); logged without a body."""
    server = _target(project_id, module.NAME)[0] if project_id else None
    return _Log(module.NAME, b"", started, size).reject(server, status, reason)


def _single_use_signature(module, headers) -> str | None:
    """The signature to bind to this delivery's transaction, for stores whose signature
    covers only some fields (providers' SINGLE_USE_SIGNATURE)."""
    if not getattr(module, "SINGLE_USE_SIGNATURE", False):
        return None
    return module.presented_signature(headers)


def _record(server: ServerRef, integration: IntegrationRef, events: list,
            log: "_Log", touched=None, claim: str | None = None) -> Reply | None:
    """Record the events in one transaction; None (nothing written) when the integration's
    secret or settings are no longer those the delivery was verified and parsed with.
    ``touched(when)`` is told when last_delivery_at was written. ``claim``: a signature
    that may stand for this delivery's transaction only."""
    conn = db.session.connection()
    current = _CURRENT.rows(conn, {"integration_id": integration.id})
    if not current or bytes(current[0][0]) != bytes(integration.secret_encrypted) \
            or (current[0][1] or {}) != (integration.settings or {}):
        db.session.rollback()
        return None
    transaction_id = _first_transaction_id(events)
    if claim is not None and transaction_id is not None \
            and not signatures.claim(server.id, integration.store, claim, transaction_id):
        return log.reject(server, 401, "this signature was already accepted for another "
                                       "transaction; each is accepted for one transaction only")
    delivery = log.start(conn, server, transaction_id)
    results = [apply_event(server, integration, event, delivery) for event in events]
    outcomes = {result.outcome for result in results}
    outcome = next((o for o in (ACCEPTED, IGNORED) if o in outcomes), DUPLICATE) \
        if results else ACCEPTED
    notes = [result.note for result in results if result.note]
    touch = integration.last_delivery_at is None \
        or log.received_at - integration.last_delivery_at >= TOUCH_AFTER
    if touch:
        _TOUCH_INTEGRATION.execute(conn, {
            "integration_id": integration.id, "last_delivery_at": log.received_at})
    log.finish(conn, delivery, outcome, reason="; ".join(notes) or None)
    db.session.commit()
    if touch and touched is not None:
        touched(log.received_at)
    body = next((result.reply for result in results if result.reply is not None), None)
    return Reply(200, body if body is not None else {"status": outcome})


def apply_event(server: ServerRef, integration: IntegrationRef, event,
                delivery: DeliveryRef) -> Handled:
    """Record one normalised event and say what happened (accepted, duplicate, ignored)."""
    handler = EVENT_HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"no handler for {type(event).__name__}")
    result = handler(server, integration, event, delivery)
    if isinstance(result, Handled):
        return result
    return Handled(ACCEPTED if result else DUPLICATE)


def _record_purchase(server, integration, event, delivery) -> bool:
    return purchases.insert_purchase(server, integration.store, event, delivery.id,
                                     delivery.conn) is not None


def _record_reversal(server, integration, event, delivery) -> Handled:
    changed, note = reversals.reverse_by_transaction(server, integration.store, event)
    return Handled(ACCEPTED if changed else IGNORED if note else DUPLICATE, note=note)


def _record_matched_reversal(server, integration, event, delivery) -> Handled:
    changed, note = reversals.reverse_by_match(server, integration.store, event, delivery.id)
    return Handled(ACCEPTED if changed else DUPLICATE, note=note)


def _record_activity(server, integration, event, delivery) -> bool:
    return store_events.record_activity(server, integration.store, event, delivery.id)


def _answer_verification(server, integration, event, delivery) -> Handled:
    body = verification.answer(server, integration.store, integration.settings or {}, event,
                               delivery.id)
    return Handled(ACCEPTED, reply=body)


def _reply(server, integration, event, delivery) -> Handled:
    return Handled(ACCEPTED, reply=event.body)


def _ignore(server, integration, event, delivery) -> Handled:
    return Handled(IGNORED, note=event.reason)


# Store modules may emit other event types; each gets one handler here. A handler
# returns a bool (True: the ledger changed; False: a duplicate) or a Handled.
EVENT_HANDLERS = {
    PurchaseEvent: _record_purchase,
    ReversalEvent: _record_reversal,
    MatchedReversalEvent: _record_matched_reversal,
    StoreActivityEvent: _record_activity,
    VerificationRequest: _answer_verification,
    ReplyEvent: _reply,
    IgnoredEvent: _ignore,
}


@dataclass(frozen=True)
class ServerRef:
    """What the pipeline needs of the Server (a snapshot; load the model for anything else)."""

    id: int
    network_id: int


@dataclass(frozen=True)
class IntegrationRef:
    id: int
    store: str
    secret_encrypted: bytes
    settings: dict
    last_delivery_at: datetime | None = None


_TARGET = Prepared(
    select(Server.id, Server.network_id, Integration.id, Integration.secret_encrypted,
           Integration.settings, Integration.last_delivery_at)
    .outerjoin(Integration, (Integration.server_id == Server.id)
               & (Integration.store == bindparam("store")))
    .where(Server.project_id == bindparam("project_id")))


def _target(project_id: str, store: str) -> tuple[ServerRef | None, IntegrationRef | None]:
    """The Server and its ``store`` integration, read outside any write transaction."""
    rows = _TARGET.read({"project_id": project_id, "store": store})
    if not rows:
        return None, None
    row = rows[0]
    server = ServerRef(row[0], row[1])
    return server, (IntegrationRef(row[2], store, row[3], row[4], row[5])
                    if row[2] is not None else None)


class _Targets:
    """Each recent (projectId, store)'s Server and integration, per app and process.

    A busy store's deliveries then do not each read them. An entry is only a guess, kept
    for ``KEEP`` seconds: the write transaction re-reads the secret and settings and starts
    over with a fresh read when they changed, and a delivery refused (401, 400) on a cached
    entry is checked again with a fresh read before the refusal is logged. So a regenerate,
    a disconnect, a settings change or a deleted Server in any process counts at once. Only
    connected integrations are kept (an unknown projectId is not).
    """

    KEEP = 2.0  # seconds
    MAX_ENTRIES = 10_000

    def __init__(self):
        self.entries: dict[tuple[str, str], tuple[float, ServerRef, IntegrationRef]] = {}
        self.lock = threading.Lock()

    @classmethod
    def of_app(cls) -> "_Targets":
        extensions = current_app.extensions
        found = extensions.get("tally_targets")
        return found if found is not None else extensions.setdefault("tally_targets", cls())

    def get(self, project_id: str, store: str, fresh: bool = False):
        """(server, integration, cached): the cached entry unless ``fresh`` or too old."""
        key = (project_id, store)
        entry = None if fresh else self.entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < self.KEEP:
            return entry[1], entry[2], True
        server, integration = _target(project_id, store)
        with self.lock:
            if integration is None:
                self.entries.pop(key, None)
            else:
                if len(self.entries) >= self.MAX_ENTRIES:
                    self.entries.clear()
                self.entries[key] = (time.monotonic(), server, integration)
        return server, integration, False

    def touched(self, project_id: str, store: str, when: datetime) -> None:
        """Remember the last_delivery_at just written, so the next deliveries skip it."""
        with self.lock:
            entry = self.entries.get((project_id, store))
            if entry is not None:
                stamp, server, integration = entry
                self.entries[(project_id, store)] = (
                    stamp, server, replace(integration, last_delivery_at=when))


def _secret(encrypted: bytes) -> str:
    try:
        return _decrypt_cached(encrypted)
    except InvalidToken:  # SECRET_KEY changed since the secret was stored
        raise SignatureError("the stored secret cannot be read; regenerate it") from None


@lru_cache(maxsize=1024)
def _decrypt_cached(encrypted: bytes) -> str:
    return decrypt(encrypted)


def _first_transaction_id(events: list) -> str | None:
    for event in events:
        if getattr(event, "transaction_id", None):
            return event.transaction_id[:128]
    return None


class _Log:
    """Writes the Delivery row for one attempt.

    ``latency_ms`` is the time from the request's start to writing the row: it includes
    waiting for the database and verifying and parsing the body, not the ledger writes
    that follow in the same transaction (they take about a millisecond).
    """

    def __init__(self, store: str, body: bytes, started: float, size: int | None = None):
        self.store, self.body, self.started = store, body, started
        self.size = len(body) if size is None else size
        self.received_at = utcnow()

    def start(self, conn, server: ServerRef, transaction_id: str | None) -> DeliveryRef:
        """The row for an attempt that passed verification, written as accepted;
        ``finish`` changes it when the outcome turns out otherwise."""
        return DeliveryRef(self._insert(conn, server, 200, ACCEPTED, None, self.body,
                                        latency_ms=self._latency(),
                                        transaction_id=transaction_id), conn)

    def finish(self, conn, delivery: DeliveryRef, outcome: str,
               reason: str | None = None) -> None:
        if outcome != ACCEPTED or reason is not None:  # accepted, no note: the row is final
            _FINISH_DELIVERY.execute(conn, {
                "delivery_id": delivery.id, "outcome": outcome, "reason": reason})

    def reject(self, server: ServerRef | None, status: int, reason: str, *,
               verified: bool = False, connected: bool = True) -> Reply:
        """Refuse the attempt. Nobody has proved who sent an unverified body, so it is not
        kept; such refusals get a Delivery row (reason, size, time) only for a connected
        store and up to an hourly limit, and are otherwise only counted (ledger.deliveries),
        so unauthenticated requests cannot grow the database without bound. A verified
        delivery that could not be used keeps its body for the owner to read. Commits."""
        db.session.rollback()
        rejections = deliveries.rejections(db.engine)
        server_id = server.id if server is not None else None
        logged = server is not None and (verified or rejections.may_log(
            server_id if connected else None, self.store))
        rejections.count(server_id, self.store, status, self.size, logged)
        if logged:
            self._insert(db.session.connection(), server, status, "rejected", reason,
                         self.body if verified else None, latency_ms=self._latency())
            db.session.commit()
        rejections.flush_if_due()
        return Reply(status, {"error": reason})

    def _insert(self, conn, server, status, outcome, reason, body, latency_ms,
                transaction_id=None) -> int:
        return _INSERT_DELIVERY.execute(conn, dict(
            server_id=server.id if server else None, store=self.store,
            received_at=self.received_at, status_code=status, outcome=outcome, reason=reason,
            latency_ms=latency_ms, size=self.size, body=body,
            transaction_id=transaction_id)).fetchone()[0]

    def _latency(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)


def find_target(project_id: str, store: str) -> tuple[Server | None, Integration | None]:
    """The Server and its ``store`` integration as models, for pipelines off the hot path
    (ledger.gateway) that answer in their own format but share the log and secrets."""
    server = db.session.scalar(select(Server).filter_by(project_id=project_id))
    if server is None:
        return None, None
    return server, db.session.scalar(select(Integration).filter_by(server_id=server.id,
                                                                   store=store))


DeliveryLog = _Log
read_secret = _secret
