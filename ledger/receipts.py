"""Receipts: a verified delivery is committed with its parsed events, answered, then applied.

The webhook request (ledger.ingest) only claims the delivery's deduplication keys and writes
the Delivery row with its events; a copy whose keys are all claimed already is answered
"duplicate" at once. ``apply_waiting`` (run by the worker, or right after the request when
WORK_INLINE is set) applies waiting deliveries in the order they were received, a batch
per transaction, each in a savepoint: purchases, items, matching, reversals, rollups. A
delivery that fails to apply is retried, then shown as "received, not applied" with its
error, and can be replayed once the cause is fixed. Nothing is dropped.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func, select

import events as event_types
from events import MatchedReversalEvent, PurchaseEvent, ReversalEvent, StoreActivityEvent
from extensions import db
from ledger import batch, locks, prepared, purchases, reversals, store_events
from ledger.deliveries import ACCEPTED, DUPLICATE, IGNORED, DeliveryRef
from ledger.targets import ServerRef
from models import Delivery, DeliveryKey, Server
from models.base import utcnow
from models.integration import FAILED, WAITING

BATCH = 50
MAX_ATTEMPTS = 5  # then the delivery is "received, not applied" until replayed


@dataclass(frozen=True)
class Handled:
    """What a handler did with one event. Handlers may also return a bool (True: accepted).

    ``reply``: a body for the 200 answer instead of {"status": ...} (the first one wins);
    ``note``: why nothing changed on purpose, kept as the delivery's reason.
    """

    outcome: str  # accepted, duplicate or ignored
    reply: dict | None = None
    note: str | None = None


# --- at receipt ---------------------------------------------------------------------------------

def claim(conn, server_id: int, store: str, deferred: list) -> bool:
    """Claim each event's deduplication key; False when every event was claimed before (the
    delivery is a duplicate). An event with aliases (EnderPay's previous time bucket) is a
    duplicate when any alias was claimed; copies of it queue on advisory locks (PostgreSQL)."""
    new = False
    for event in deferred:
        key, aliases = keys(event)
        if key is None:
            new = True
            continue
        if aliases:
            locks.hold(*locks.names(server_id, store, (key, *aliases)))
            if conn.execute(_CLAIMED, {"server_id": server_id, "store": store,
                                       "keys": list(aliases)}).first():
                continue
        row = prepared.CLAIM_KEY[conn.dialect.name].execute(conn, {
            "server_id": server_id, "store": store, "key": key[:160],
            "created_at": utcnow()}).fetchone()
        new = new or row is not None
    return new


def claims_need_session(deferred: list) -> bool:
    """Whether ``claim`` needs a SQLAlchemy Connection and the session for these events (an
    event with aliases: advisory locks and a query); otherwise prepared statements do."""
    return any(keys(event)[1] for event in deferred)


def keys(event) -> tuple[str | None, tuple[str, ...]]:
    """(the key an event claims, keys whose claim makes it a duplicate)."""
    if isinstance(event, PurchaseEvent):
        return event.transaction_id, event.duplicate_if_recorded
    if isinstance(event, (ReversalEvent, MatchedReversalEvent)):
        aliases = getattr(event, "duplicate_if_recorded", ())
        return f"{event.kind}:{event.external_id}", tuple(f"{event.kind}:{a}" for a in aliases)
    if isinstance(event, StoreActivityEvent) and event.external_id:
        return (f"activity:{event.external_id}",
                tuple(f"activity:{a}" for a in event.duplicate_if_recorded))
    return None, ()


_CLAIMED = select(DeliveryKey.id).where(
    DeliveryKey.server_id == bindparam("server_id"), DeliveryKey.store == bindparam("store"),
    DeliveryKey.key.in_(bindparam("keys", expanding=True))).limit(1)


# --- afterwards -----------------------------------------------------------------------------------

def apply_waiting(limit: int = BATCH) -> int:
    """Apply up to ``limit`` waiting deliveries, oldest first; how many were tried. Flushes;
    the caller commits (one transaction per batch).

    The whole batch is applied in one savepoint, its rollup changes summed per row
    (ledger.batch). When any delivery fails, that savepoint is rolled back and the batch
    is applied again one delivery at a time, each in its own savepoint, up to the one that
    fails: it keeps its error, and none received after it is applied before it (until it is
    marked failed)."""
    rows = db.session.execute(
        select(Delivery.id, Delivery.server_id, Delivery.store, Delivery.events,
               Delivery.apply_attempts, Server.network_id)
        .join(Server, Server.id == Delivery.server_id)
        .where(Delivery.apply_state == WAITING).order_by(Delivery.id).limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)).all()
    if not rows:
        return 0
    try:
        with db.session.begin_nested():
            conn = _savepoint_connection()
            with batch.batched(conn):
                done = [(row, _apply(row, conn)) for row in rows]
    except Exception:  # noqa: BLE001 (found and kept by applying one at a time)
        done = _one_by_one(rows)
    _mark(db.session.connection(), done)
    return len(done)


def _one_by_one(rows) -> list:
    """Apply ``rows`` each in its own savepoint, up to and with the first that fails."""
    done = []
    for row in rows:
        try:
            with db.session.begin_nested():
                done.append((row, _apply(row, _savepoint_connection())))
        except Exception as exc:  # noqa: BLE001 (kept on the delivery, and retried)
            done.append((row, exc))
            break
    return done


def _savepoint_connection():
    """The session's connection, asked for inside ``begin_nested`` so that the SAVEPOINT is
    emitted now: statements run straight on the connection (ledger.prepared) would otherwise
    precede it and escape its rollback."""
    return db.session.connection()


def _apply(row, conn) -> list[Handled]:
    server = ServerRef(row.server_id, row.network_id)
    return [apply_event(server, row.store, event, DeliveryRef(row.id, conn))
            for event in event_types.load(row.events)]


def _mark(conn, done: list) -> None:
    """Write each delivery's outcome, or its error (marked failed at MAX_ATTEMPTS)."""
    now, applied, failed = utcnow(), [], []
    for row, results in done:
        if isinstance(results, Exception):
            attempts = (row.apply_attempts or 0) + 1
            failed.append({"delivery_id": row.id, "apply_attempts": attempts,
                           "apply_error": f"{type(results).__name__}: {results}"[:1000],
                           "apply_state": FAILED if attempts >= MAX_ATTEMPTS else WAITING})
            continue
        outcomes = {result.outcome for result in results}
        notes = "; ".join(result.note for result in results if result.note)
        applied.append({"delivery_id": row.id, "apply_state": None, "apply_error": None,
                        "applied_at": now, "reason": notes[:2000] or None,
                        "outcome": next((o for o in (ACCEPTED, IGNORED) if o in outcomes),
                                        DUPLICATE)})
    prepared.MARK_APPLIED.execute_many(conn, applied)
    prepared.MARK_NOT_APPLIED.execute_many(conn, failed)


def apply_event(server, store: str, event, delivery: DeliveryRef) -> Handled:
    """Record one normalised event and say what happened (accepted, duplicate, ignored)."""
    handler = APPLIERS.get(type(event))
    if handler is None:
        raise TypeError(f"no handler for {type(event).__name__}")
    result = handler(server, store, event, delivery)
    return result if isinstance(result, Handled) else Handled(ACCEPTED if result else DUPLICATE)


def _purchase(server, store, event, delivery) -> bool:
    return purchases.insert_purchase(server, store, event, delivery.id, delivery.conn) is not None


def _reversal(server, store, event, delivery) -> Handled:
    batch.write_inserts(delivery.conn)  # the purchase may be earlier in this batch
    changed, note = reversals.reverse_by_transaction(server, store, event)
    return Handled(ACCEPTED if changed else IGNORED if note else DUPLICATE, note=note)


def _matched_reversal(server, store, event, delivery) -> Handled:
    batch.write_inserts(delivery.conn)
    changed, note = reversals.reverse_by_match(server, store, event, delivery.id)
    return Handled(ACCEPTED if changed else DUPLICATE, note=note)


def _activity(server, store, event, delivery) -> bool:
    return store_events.record_activity(server, store, event, delivery.id)


# The events applied after the reply; each type has one handler, which returns a bool (True:
# the ledger changed; False: a duplicate) or a Handled. ledger.ingest answers the others now.
APPLIERS = {
    PurchaseEvent: _purchase,
    ReversalEvent: _reversal,
    MatchedReversalEvent: _matched_reversal,
    StoreActivityEvent: _activity,
}


# --- readers --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Backlog:
    waiting: int
    failed: int
    oldest_age: timedelta | None  # of the oldest waiting delivery


def backlog(network_id: int | None = None) -> Backlog:
    """Deliveries received and not applied yet (waiting), and those whose apply failed."""
    query = select(Delivery.apply_state, func.count(Delivery.id), func.min(Delivery.received_at)) \
        .where(Delivery.apply_state.is_not(None)).group_by(Delivery.apply_state)
    if network_id is not None:
        query = query.join(Server, Server.id == Delivery.server_id) \
            .where(Server.network_id == network_id)
    found = {state: (count, oldest) for state, count, oldest in db.session.execute(query)}
    waiting, oldest = found.get(WAITING, (0, None))
    return Backlog(waiting, found.get(FAILED, (0, None))[0],
                   utcnow() - oldest if oldest is not None else None)
