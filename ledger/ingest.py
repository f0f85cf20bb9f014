"""The webhook pipeline, shared by every store.

find the integration -> store module verifies -> store module parses ->
record every event -> log the delivery -> commit -> reply.
A handler may shape the 200 reply body (validation handshakes, verification answers).

Nothing is answered 200 before the commit, and every attempt (good or bad)
leaves a Delivery row, so an owner can see why a store's delivery failed.
"""
import time
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from extensions import db
from ledger import purchases, reversals, store_events, verification
from ledger.secrets import decrypt
from models import Delivery, Integration, Server
from models.base import utcnow
from providers.base import (IgnoredEvent, MatchedReversalEvent, PayloadError, PurchaseEvent,
                            ReplyEvent, ReversalEvent, SignatureError, StoreActivityEvent,
                            VerificationRequest)

ACCEPTED, DUPLICATE, IGNORED = "accepted", "duplicate", "ignored"


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


def receive(module, project_id: str | None, body: bytes, headers, query, started: float) -> Reply:
    """Handle one delivery for the store ``module``; returns the HTTP reply to send."""
    log = _Log(module.NAME, body, started)
    if not project_id:
        return log.reject(None, 400, "projectId query parameter is missing")
    server, integration = _target(project_id, module.NAME)
    if integration is None:
        reason = f"{module.NAME} is not connected on this Server" if server else "unknown projectId"
        return log.reject(server, 404, reason, keep_body=False)
    try:
        module.verify(body, headers, _secret(integration.secret_encrypted), query)
        events = module.parse(body, log.received_at, integration.settings or {})
    except SignatureError as exc:
        return log.reject(server, 401, str(exc))
    except PayloadError as exc:
        return log.reject(server, 400, str(exc))
    return _record(server, integration, events, log)


def _record(server: Server, integration: Integration, events: list, log: "_Log") -> Reply:
    delivery = log.start(server)
    results = [apply_event(server, integration, event, delivery) for event in events]
    outcomes = {result.outcome for result in results}
    outcome = next((o for o in (ACCEPTED, IGNORED) if o in outcomes), DUPLICATE) if results else ACCEPTED
    notes = [result.note for result in results if result.note]
    integration.last_delivery_at = log.received_at
    log.finish(delivery, outcome, _first_transaction_id(events), reason="; ".join(notes) or None)
    db.session.commit()
    body = next((result.reply for result in results if result.reply is not None), None)
    return Reply(200, body if body is not None else {"status": outcome})


def apply_event(server: Server, integration: Integration, event, delivery: Delivery) -> Handled:
    """Record one normalised event and say what happened (accepted, duplicate, ignored)."""
    handler = EVENT_HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"no handler for {type(event).__name__}")
    result = handler(server, integration, event, delivery)
    if isinstance(result, Handled):
        return result
    return Handled(ACCEPTED if result else DUPLICATE)


def _record_purchase(server, integration, event, delivery) -> bool:
    _, created = purchases.record_purchase(server, integration.store, event, delivery.id)
    return created


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


def _target(project_id: str, store: str) -> tuple[Server | None, Integration | None]:
    row = db.session.execute(
        select(Server, Integration)
        .outerjoin(Integration, (Integration.server_id == Server.id) & (Integration.store == store))
        .where(Server.project_id == project_id)).first()
    return (row[0], row[1]) if row else (None, None)


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
    """Builds the Delivery row for one attempt."""

    def __init__(self, store: str, body: bytes, started: float):
        self.store, self.body, self.started = store, body, started
        self.received_at = utcnow()

    def start(self, server: Server | None) -> Delivery:
        delivery = Delivery(server_id=server.id if server else None, store=self.store,
                            received_at=self.received_at, status_code=200, outcome="accepted",
                            body=self.body)
        db.session.add(delivery)
        db.session.flush()
        return delivery

    def finish(self, delivery: Delivery, outcome: str, transaction_id: str | None,
               status: int = 200, reason: str | None = None) -> None:
        delivery.outcome, delivery.status_code, delivery.reason = outcome, status, reason
        delivery.transaction_id = transaction_id
        delivery.latency_ms = int((time.perf_counter() - self.started) * 1000)

    def reject(self, server: Server | None, status: int, reason: str, keep_body: bool = True) -> Reply:
        db.session.rollback()
        delivery = self.start(server)
        if not keep_body or server is None:
            delivery.body = None  # attempts nobody can own keep no payload
        self.finish(delivery, "rejected", None, status, reason)
        db.session.commit()
        return Reply(status, {"error": reason})


# Public names for pipelines with their own reply format (ledger.gateway) that reuse
# the target lookup, secret decryption and delivery log above.
DeliveryLog = _Log
find_target = _target
read_secret = _secret
