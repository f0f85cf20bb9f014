"""Gateway payments: what they are now, where to find them, and the purchase a paid one becomes."""
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from events import Item, PurchaseEvent
from extensions import db
from ledger import outbox, purchases
from ledger.corrections import CorrectionError, apply_reversal
from models import PendingPayment, Purchase, Server
from models.base import utcnow
from models.pending_payment import CHARGED_BACK, EXPIRED, PAID, PENDING
from models.purchase import CHARGEBACK
from providers import craftingstore_gateway as cs

STORE = cs.NAME
RETENTION = timedelta(days=7)  # CraftingStore drops payments pending for longer
STATUSES = (PENDING, PAID, EXPIRED, CHARGED_BACK)


class GatewayError(ValueError):
    """An action that cannot be done; the message is shown to the owner or API caller."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def status_of(payment: PendingPayment, now: datetime | None = None) -> str:
    """The status to show: pending for over 7 days is expired (CraftingStore dropped it);
    the worker also stores that (ledger.jobs.expire_payments)."""
    if payment.status == PENDING and payment.created_at < (now or utcnow()) - RETENTION:
        return EXPIRED
    return payment.status


def list_payments(server_id: int, status: str | None = None, limit: int = 200,
                  now: datetime | None = None) -> list[PendingPayment]:
    """Newest first. ``status`` filters on the shown status (expiry computed from created_at)."""
    now = now or utcnow()
    query = select(PendingPayment).filter_by(server_id=server_id)
    cutoff = now - RETENTION
    if status == PENDING:
        query = query.filter(PendingPayment.status == PENDING, PendingPayment.created_at >= cutoff)
    elif status == EXPIRED:
        query = query.filter(or_(PendingPayment.status == EXPIRED,
                                 (PendingPayment.status == PENDING)
                                 & (PendingPayment.created_at < cutoff)))
    elif status in (PAID, CHARGED_BACK):
        query = query.filter(PendingPayment.status == status)
    query = query.order_by(PendingPayment.created_at.desc(), PendingPayment.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def payment_in_server(server_id: int, payment_id: int) -> PendingPayment | None:
    payment = db.session.get(PendingPayment, payment_id)
    return payment if payment is not None and payment.server_id == server_id else None


def find_payment(server_id: int, transaction_id: str, lock: bool = False) -> PendingPayment | None:
    query = select(PendingPayment).filter_by(server_id=server_id, transaction_id=transaction_id)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def complete(server: Server, payment: PendingPayment, delivery_id: int | None) -> bool:
    """Record the purchase for ``payment`` (once) and mark it paid. True when anything changed."""
    changed = False
    if payment.purchase_id is None:
        purchase, changed = purchases.record_purchase(server, STORE, purchase_event(payment),
                                                      delivery_id)
        payment.purchase_id = purchase.id
        if payment.status == CHARGED_BACK:  # the CHARGE-BACK came first: book it net of it
            changed = charge_back(purchase, payment) or changed
    if payment.status == PENDING:
        payment.status, payment.paid_at = PAID, utcnow()
        changed = True
        outbox.emit(server.network_id, outbox.PAYMENT_PAID, payment_data(payment), server.id)
    return changed


def payment_data(payment: PendingPayment) -> dict:
    """What a payment.pending / payment.paid event says."""
    return {"payment_id": payment.id, "server_id": payment.server_id,
            "transaction_id": payment.transaction_id, "amount_minor": payment.amount_minor,
            "currency": payment.currency, "package": payment.package_name,
            "username": payment.username, "status": payment.status}


def charge_back(purchase: Purchase, payment: PendingPayment) -> bool:
    """Reverse the purchase of a charged-back payment (once). True when it changed."""
    try:
        _, reversed_now = apply_reversal(purchase, CHARGEBACK, external_id=payment.transaction_id,
                                         reason="CraftingStore CHARGE-BACK")
    except CorrectionError:  # nothing left to reverse (refunded another way)
        return False
    return reversed_now


def purchase_event(payment: PendingPayment) -> PurchaseEvent:
    """The purchase a paid gateway payment becomes.

    Username: the one CraftingStore sent, else the buyer's email, else "basket <identifier>".
    Neither of the fallbacks can be a Minecraft name, so such a purchase is Unmatched until
    linked by hand, and the revenue pages still show who bought.
    """
    username, source = buyer_name(payment)
    return PurchaseEvent(
        transaction_id=payment.transaction_id, username=username,
        amount_minor=payment.amount_minor, currency=payment.currency,
        items=(Item(payment.package_name, 1, payment.amount_minor),),
        purchased_at=payment.paid_at or utcnow(), email=payment.email,
        extra={"gateway": "craftingstore", "username_source": source,
               **({"identifier": payment.identifier} if payment.identifier else {})})


def buyer_name(payment: PendingPayment) -> tuple[str, str]:
    if payment.username:
        return payment.username, "craftingstore"
    if payment.email and len(payment.email) <= 64:
        return payment.email, "email"
    if payment.identifier:
        return f"basket {payment.identifier}"[:64], "identifier"
    return f"transaction {payment.transaction_id}"[:64], "transaction"
