"""The webhook pipeline, shared by every store: a verified delivery becomes a durable receipt.
It commits: the reply is sent only after it.

    blueprints/webhooks.py  reads the body
    ledger/targets.py       finds the Server and integration (kept two seconds per process)
    providers/<store>.py    verifies the signature, parses the body into events
    ledger/ingest.py        in one short transaction: re-checks the secret, claims the events'
                            deduplication keys, writes the Delivery row with the events, commits
    blueprints/webhooks.py  answers: accepted (or duplicate, when every key was claimed before)
    ledger/receipts.py      applies the events afterwards, in batches (the worker)

The target is read and the body verified and parsed before the write transaction (on
SQLite, before the write lock). The transaction then checks that the secret and settings
are still the ones used; if they changed (or the store was disconnected) meanwhile, the
delivery is checked again from the start with a fresh read. What a store needs answered at
once is answered here, in the same transaction: Tebex's validation (ReplyEvent), Donation
Store's user verification (VerificationRequest), and events that are not revenue
(IgnoredEvent).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from events import (IgnoredEvent, PayloadError, ReplyEvent, SignatureError, VerificationRequest,
                    dump)
from extensions import DirectWrite, db
from ledger import prepared, receipts, replay, signatures, targets, verification
from ledger.crypto import SecretBox
from ledger.deliveries import ACCEPTED, DUPLICATE, IGNORED, DeliveryLog, Reply
from ledger.receipts import Handled

ATTEMPTS = 3  # verifications of one delivery when its integration changes meanwhile
# An integration's last_delivery_at (shown to the minute) is kept to the second: a busy
# store's deliveries do not all write (and, on PostgreSQL, queue on) that one row.
TOUCH_AFTER = timedelta(seconds=1)


def receive(module, project_id: str | None, body: bytes, headers, query, started: float,
            box: SecretBox, sent_at: datetime | None = None) -> Reply:
    """Handle one delivery for the store ``module``; returns the HTTP reply to send.
    ``sent_at``: for a replay, when the store first sent it (the time of a purchase whose
    body carries none, as it would have been then); otherwise now."""
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
            events = module.parse(body, sent_at or log.received_at, integration.settings or {})
            claim = _single_use_signature(module, headers)
        except (SignatureError, PayloadError) as exc:
            if cached:  # the secret or settings may have changed, or the Server gone, meanwhile
                fresh = True
                continue
            return log.reject(server, 401 if isinstance(exc, SignatureError) else 400, str(exc),
                              verified=verified,
                              replay_headers=replay.headers_to_keep(module, headers))
        reply = _record(server, integration, events, log, claim)
        if reply is not None:
            if reply.status == 200:
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
    """The receipt, in one transaction that commits; None (nothing written) when the
    integration's secret or settings are no longer those the delivery was verified and parsed
    with. ``claim``: a signature that may stand for this transaction only."""
    transaction_id = _first_transaction_id(events)
    now = [event for event in events if type(event) in ANSWERED_NOW]
    later = [event for event in events if type(event) not in ANSWERED_NOW]
    deferred = dump(later) if later else None  # before the write lock, like all that can be
    direct = not now and claim is None and not receipts.claims_need_session(later)
    with _transaction(direct) as (conn, commit):
        current = prepared.CURRENT_SECRET.rows(conn, {"integration_id": integration.id})
        if not current or bytes(current[0][0]) != bytes(integration.secret_encrypted) \
                or (current[0][1] or {}) != (integration.settings or {}):
            return None
        failures_in_row, failing_since = current[0][2:]
        if claim is not None and transaction_id is not None \
                and not signatures.claim(server.id, integration.store, claim, transaction_id):
            return log.reject(server, 401, "this signature was already accepted for another "
                                           "transaction; each is accepted for one transaction "
                                           "only")
        new = receipts.claim(conn, server.id, integration.store, later) if later else False
        delivery = log.start(conn, server, transaction_id, deferred if new else None)
        results = [ANSWERED_NOW[type(event)](server, integration, event, delivery.id)
                   for event in now]
        outcome = ACCEPTED if new else next(
            (o for o in (ACCEPTED, IGNORED) if o in {r.outcome for r in results}),
            DUPLICATE if later else ACCEPTED)
        _touch(conn, integration, log, healed=failures_in_row or failing_since is not None)
        log.finish(conn, delivery, outcome,
                   reason="; ".join(result.note for result in results if result.note) or None)
        commit()
    body = next((result.reply for result in results if result.reply is not None), None)
    return Reply(200, body if body is not None else {"status": outcome})


@contextmanager
def _transaction(direct: bool):
    """The receipt's transaction, as (connection, commit). ``direct``: straight on the driver
    (extensions.DirectWrite), for a delivery whose statements are all prepared ones; otherwise
    the ORM session's, for what answers at once or claims a signature or aliases through the
    session. A caller whose session has a transaction open (a replay from the delivery log)
    gets that one: on SQLite a second writer in the same thread would wait for itself. What
    is not committed is rolled back."""
    if direct and not (db.session.registry.has() and db.session().in_transaction()):
        with DirectWrite(db.engine) as conn:
            yield conn, conn.commit
        return
    try:
        yield db.session.connection(), db.session.commit
    finally:
        db.session.rollback()


def _touch(conn, integration, log: DeliveryLog, healed: bool) -> None:
    """The integration's last delivery time (at most once a second), and, when ``healed``
    (it had refusals in a row, or was failing, as the transaction read it), an end to that:
    it is connected and working again."""
    if integration.last_delivery_at is None \
            or log.received_at - integration.last_delivery_at >= TOUCH_AFTER:
        prepared.TOUCH_INTEGRATION.execute(conn, {
            "integration_id": integration.id, "last_delivery_at": log.received_at})
    if healed:
        prepared.HEALED_INTEGRATION.execute(conn, {"integration_id": integration.id})


def _first_transaction_id(events: list) -> str | None:
    for event in events:
        if getattr(event, "transaction_id", None):
            return event.transaction_id[:128]
    return None


def _answer_verification(server, integration, event, delivery_id) -> Handled:
    body = verification.answer(server, integration.store, integration.settings or {}, event,
                               delivery_id)
    return Handled(ACCEPTED, reply=body)


def _reply(server, integration, event, delivery_id) -> Handled:
    return Handled(ACCEPTED, reply=event.body)


def _ignore(server, integration, event, delivery_id) -> Handled:
    return Handled(IGNORED, note=event.reason)


# What a store needs answered at once; every other event is applied after the reply
# (ledger.receipts.APPLIERS).
ANSWERED_NOW = {
    VerificationRequest: _answer_verification,
    ReplyEvent: _reply,
    IgnoredEvent: _ignore,
}
