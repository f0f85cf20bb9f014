"""The webhook pipeline, shared by every store. It commits: a reply is sent only after it.

    blueprints/webhooks.py  reads the body
    ledger/targets.py       finds the Server and integration (kept two seconds per process)
    providers/<store>.py    verifies the signature, parses the body into events
    ledger/ingest.py        in one transaction: re-checks the secret, writes the Delivery row,
                            records each event with its handler, commits
    blueprints/webhooks.py  answers

The target is read and the body verified and parsed before the write transaction (on
SQLite, before the write lock). The transaction then checks that the secret and settings
are still the ones used; if they changed (or the store was disconnected) meanwhile, the
delivery is checked again from the start with a fresh read. Handlers write through the
prepared statements of ledger.prepared; a duplicate is an INSERT ... ON CONFLICT DO NOTHING
that returns no row. A handler may shape the 200 reply (validation handshakes, Donation
Store's verification answer).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from events import (IgnoredEvent, MatchedReversalEvent, PayloadError, PurchaseEvent, ReplyEvent,
                    ReversalEvent, SignatureError, StoreActivityEvent, VerificationRequest)
from extensions import db
from ledger import prepared, purchases, reversals, signatures, store_events, targets, verification
from ledger.crypto import SecretBox
from ledger.deliveries import ACCEPTED, DUPLICATE, IGNORED, DeliveryLog, DeliveryRef, Reply

ATTEMPTS = 3  # verifications of one delivery when its integration changes meanwhile
# An integration's last_delivery_at (shown to the minute) is kept to the second: a busy
# store's deliveries do not all write (and, on PostgreSQL, queue on) that one row.
TOUCH_AFTER = timedelta(seconds=1)


@dataclass(frozen=True)
class Handled:
    """What a handler did with one event. Handlers may also return a bool (True: accepted).

    ``reply``: a body for the 200 answer instead of {"status": ...} (the first one wins);
    ``note``: why nothing changed on purpose, kept as the delivery's reason.
    """

    outcome: str  # accepted, duplicate or ignored
    reply: dict | None = None
    note: str | None = None


def receive(module, project_id: str | None, body: bytes, headers, query, started: float,
            box: SecretBox) -> Reply:
    """Handle one delivery for the store ``module``; returns the HTTP reply to send."""
    log = DeliveryLog(module.NAME, body, started)
    if not project_id:
        return log.reject(None, 400, "projectId query parameter is missing")
    kept = targets.kept(db.engine)
    fresh = False
    for _ in range(ATTEMPTS):
        server, integration, cached = kept.get(project_id, module.NAME, fresh)
        if integration is None:
            reason = f"{module.NAME} is not connected on this Server" if server \
                else "unknown projectId"
            return log.reject(server, 404, reason, connected=False)
        verified = False
        try:
            module.verify(body, headers, targets.secret(box, integration.secret_encrypted), query)
            verified = True
            events = module.parse(body, log.received_at, integration.settings or {})
            claim = _single_use_signature(module, headers)
        except (SignatureError, PayloadError) as exc:
            if cached:  # the secret or settings may have changed, or the Server gone, meanwhile
                fresh = True
                continue
            return log.reject(server, 401 if isinstance(exc, SignatureError) else 400, str(exc),
                              verified=verified)
        reply = _record(server, integration, events, log, claim)
        if reply is not None:
            if reply.status == 200 and log.touched:
                kept.touched(project_id, module.NAME, log.received_at)
            return reply
        fresh = True
    return log.reject(server, 503, "the integration's secret or settings kept changing "
                                   "while this delivery was checked; send it again")


def refuse(module, project_id: str | None, status: int, reason: str, started: float,
           size: int | None = None) -> Reply:
    """Refuse a delivery before reading it (413: too large); logged without a body."""
    server = targets.read(project_id, module.NAME)[0] if project_id else None
    return DeliveryLog(module.NAME, b"", started, size).reject(server, status, reason)


def _single_use_signature(module, headers) -> str | None:
    """The signature to bind to this delivery's transaction, for stores whose signature
    covers only some fields (providers' SINGLE_USE_SIGNATURE)."""
    if not getattr(module, "SINGLE_USE_SIGNATURE", False):
        return None
    return module.presented_signature(headers)


def _record(server, integration, events: list, log: DeliveryLog,
            claim: str | None) -> Reply | None:
    """Record the events in one transaction and commit; None (nothing written) when the
    integration's secret or settings are no longer those the delivery was verified and
    parsed with. ``claim``: a signature that may stand for this transaction only."""
    conn = db.session.connection()
    current = prepared.CURRENT_SECRET.rows(conn, {"integration_id": integration.id})
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
    log.touched = integration.last_delivery_at is None \
        or log.received_at - integration.last_delivery_at >= TOUCH_AFTER
    if log.touched:
        prepared.TOUCH_INTEGRATION.execute(conn, {
            "integration_id": integration.id, "last_delivery_at": log.received_at})
    log.finish(conn, delivery, outcome,
               reason="; ".join(result.note for result in results if result.note) or None)
    db.session.commit()
    body = next((result.reply for result in results if result.reply is not None), None)
    return Reply(200, body if body is not None else {"status": outcome})


def _first_transaction_id(events: list) -> str | None:
    for event in events:
        if getattr(event, "transaction_id", None):
            return event.transaction_id[:128]
    return None


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
