"""CraftingStore's PENDING, PAID and CHARGE-BACK callbacks. This pipeline commits.

Each is verified, logged as webhook deliveries are (ledger.deliveries.DeliveryLog) and
answered in CraftingStore's format: {"success": true, ...} or {"success": false}.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from events import PayloadError, SignatureError
from extensions import db
from ledger import health, ingest, outbox, targets
from ledger.crypto import SecretBox
from ledger.deliveries import ACCEPTED, DUPLICATE, DeliveryLog, Reply
from ledger.gateway.payments import (STORE, GatewayError, charge_back, complete, find_payment,
                                     payment_data)
from models import Integration, PendingPayment, Purchase, Server
from models.base import utcnow
from models.pending_payment import CHARGED_BACK, PENDING
from providers import craftingstore_gateway as cs

FAILED = {"success": False}


def refuse(project_id: str | None, status: int, reason: str, started: float) -> Reply:
    """Refuse a callback before reading it (413: too large), logged, in CraftingStore's format."""
    ingest.refuse(cs, project_id, status, reason, started)
    return Reply(status, {"success": False, "error": reason})


def receive(project_id: str | None, body: bytes, headers, started: float,
            box: SecretBox) -> Reply:
    """One CraftingStore callback: verified, handled and logged in one transaction."""
    log = DeliveryLog(STORE, body, started)
    if not project_id:
        log.reject(None, 400, "projectId query parameter is missing")
        return Reply(400, FAILED)
    server, integration = targets.find(project_id, STORE)
    if integration is None:
        reason = "the CraftingStore gateway is not connected on this Server" if server \
            else "unknown projectId"
        log.reject(server, 404, reason, connected=False)
        return Reply(404, FAILED)
    try:
        cs.verify(body, headers, targets.secret(box, integration.secret_encrypted))
        event = cs.parse(body)[0]
    except SignatureError as exc:
        log.reject(server, 400, str(exc))
        return Reply(400, FAILED)
    except PayloadError as exc:
        log.reject(server, 400, str(exc), verified=True)
        return Reply(400, {"success": False, "error": str(exc)})
    delivery = log.start(db.session.connection(), server, event.transaction_id)
    try:
        changed, reply = _HANDLERS[event.type](server, integration, event, delivery.id)
    except GatewayError as exc:
        log.reject(server, exc.status, str(exc), verified=True)
        return Reply(exc.status, {"success": False, "error": str(exc)})
    health.working(integration, log.received_at)
    log.finish(db.session.connection(), delivery, ACCEPTED if changed else DUPLICATE)
    db.session.commit()
    return reply


def _on_pending(server, integration, event, delivery_id) -> tuple[bool, Reply]:
    payment, created = _payment_for(server, integration, event)
    if created:
        outbox.emit(server.network_id, outbox.PAYMENT_PENDING, payment_data(payment), server.id)
    return created, Reply(200, {"success": True, "data": {"url": payment.payment_url}})


def _on_paid(server, integration, event, delivery_id) -> tuple[bool, Reply]:
    payment, created = _payment_for(server, integration, event, lock=True)
    changed = complete(server, payment, delivery_id)
    return created or changed, Reply(200, {"success": True})


def _on_charge_back(server, integration, event, delivery_id) -> tuple[bool, Reply]:
    payment, created = _payment_for(server, integration, event, lock=True)
    changed = created
    purchase = payment.purchase or db.session.scalar(select(Purchase).filter_by(
        server_id=server.id, store=STORE, transaction_id=payment.transaction_id))
    if purchase is not None:
        changed = charge_back(purchase, payment) or changed
    if payment.status != CHARGED_BACK:
        payment.status, payment.charged_back_at = CHARGED_BACK, utcnow()
        changed = True
    return changed, Reply(200, {"success": True})


_HANDLERS = {cs.PENDING: _on_pending, cs.PAID: _on_paid, cs.CHARGE_BACK: _on_charge_back}


def _payment_for(server: Server, integration: Integration, event: cs.GatewayEvent,
                 lock: bool = False) -> tuple[PendingPayment, bool]:
    """The payment for ``event``'s transaction id, created from the event when new."""
    existing = find_payment(server.id, event.transaction_id, lock=lock)
    if existing is not None:
        return existing, False
    if not event.has_details:
        raise GatewayError(f"unknown transactionId {event.transaction_id!r} "
                           "(no PENDING seen and no package.price/currency given)", 404)
    template = (integration.settings or {}).get("payment_url_template", "")
    payment = PendingPayment(
        server_id=server.id, transaction_id=event.transaction_id,
        amount_minor=event.amount_minor, currency=event.currency,
        package_name=event.package_name or "CraftingStore package", email=event.email,
        identifier=event.identifier, username=event.username,
        payment_url=cs.payment_url(template, event), status=PENDING, created_at=utcnow(),
        extra={k: v for k, v in (("successUrl", event.success_url),
                                 ("failedUrl", event.failed_url)) if v} or None)
    try:
        with db.session.begin_nested():
            db.session.add(payment)
            db.session.flush()
    except IntegrityError:  # the same callback raced us and won
        existing = find_payment(server.id, event.transaction_id, lock=lock)
        if existing is None:
            raise
        return existing, False
    return payment, True
