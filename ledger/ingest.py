"""The webhook pipeline, shared by every store.

find the integration -> store module verifies -> store module parses ->
record every event -> log the delivery -> commit -> reply.

Nothing is answered 200 before the commit, and every attempt (good or bad)
leaves a Delivery row, so an owner can see why a store's delivery failed.
"""
import time
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from extensions import db
from ledger import purchases
from ledger.secrets import decrypt
from models import Delivery, Integration, Server
from models.base import utcnow
from providers.base import PayloadError, PurchaseEvent, SignatureError


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict


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


def refuse(module, project_id: str | None, status: int, reason: str, started: float) -> Reply:
    """Refuse a delivery before reading it (413: too large); logged without a body."""
    server = _target(project_id, module.NAME)[0] if project_id else None
    return _Log(module.NAME, b"", started).reject(server, status, reason, keep_body=False)


def _record(server: Server, integration: Integration, events: list, log: "_Log") -> Reply:
    delivery = log.start(server)
    created = [apply_event(server, integration, event, delivery) for event in events]
    outcome = "accepted" if any(created) or not events else "duplicate"
    integration.last_delivery_at = log.received_at
    log.finish(delivery, outcome, _first_transaction_id(events))
    db.session.commit()
    return Reply(200, {"status": outcome})


def apply_event(server: Server, integration: Integration, event, delivery: Delivery) -> bool:
    """Record one normalised event; True when it changed the ledger (False: a duplicate)."""
    handler = EVENT_HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"no handler for {type(event).__name__}")
    return handler(server, integration, event, delivery)


def _record_purchase(server, integration, event, delivery) -> bool:
    _, created = purchases.record_purchase(server, integration.store, event, delivery.id)
    return created


# Store modules may emit other event types; each gets one handler here.
EVENT_HANDLERS = {PurchaseEvent: _record_purchase}


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
