"""What the game-server plugin sends besides joins: purchases and refunds from the fallback
command (parsed by providers.plugin_api), and the plugin's status on the Server page.

Purchases take the one write path for purchases (ledger.purchases), so matching, Campaign,
creator and rollups are a webhook's, and each is recorded once per (Server, store,
transaction id). A refund is booked like a store's, through ledger.corrections.apply_reversal,
once per refund id. Every call leaves a Delivery row with store ``SOURCE``: the Server's
"Game server" log. A call is all or nothing; the caller commits.
"""
from dataclasses import dataclass
from datetime import datetime, time, timezone

from sqlalchemy import func, select

from events import PayloadError
from extensions import db
from ledger import purchases
from ledger.corrections import CorrectionError, apply_reversal
from ledger.deliveries import ACCEPTED, DUPLICATE, DeliveryLog
from models import Delivery, Player, Purchase, Server
from models.base import utcnow
from models.purchase import REFUND
from money import to_minor

SOURCE = "plugin"  # Delivery.store of the Game server log
TITLE = "Game server"


class CallError(ValueError):
    """The call changes nothing; ``status`` is the HTTP status to answer (400, 404)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Counts:
    accepted: int
    duplicate: int


def record_purchases(server: Server, events: list, log: DeliveryLog) -> Counts:
    """Record (store, PurchaseEvent) pairs, each once."""
    conn = db.session.connection()
    delivery = log.start(conn, server, events[0][1].transaction_id)
    accepted = sum(purchases.insert_purchase(server, store, event, delivery.id, conn) is not None
                   for store, event in events)
    counts = Counts(accepted, len(events) - accepted)
    reason = f"{counts.accepted} new, {counts.duplicate} already recorded" if len(events) > 1 \
        else None
    log.finish(conn, delivery, ACCEPTED if accepted else DUPLICATE, reason)
    return counts


def record_refund(server: Server, refund, log: DeliveryLog) -> Counts:
    """Refund a purchase of this Server (providers.plugin_api.Refund; 404 when there is none),
    once per refund id."""
    purchase = db.session.scalar(select(Purchase).filter_by(
        server_id=server.id, store=refund.store, transaction_id=refund.transaction_id))
    if purchase is None:
        raise CallError(f"no purchase {refund.transaction_id!r} from store {refund.store!r} "
                        "on this Server", 404)
    try:
        amount_minor = None if refund.amount is None else \
            to_minor(refund.amount, purchase.currency, "amount")
    except PayloadError as exc:
        raise CallError(str(exc)) from None
    delivery = log.start(db.session.connection(), server, refund.transaction_id)
    try:
        _, created = apply_reversal(purchase, REFUND, amount_minor,
                                    external_id=_refund_key(refund, amount_minor),
                                    reason="refund sent by the game server plugin")
    except CorrectionError as exc:
        raise CallError(f"refund of {refund.transaction_id!r} not applied: {exc}") from None
    log.finish(db.session.connection(), delivery, ACCEPTED if created else DUPLICATE)
    return Counts(int(created), int(not created))


def _refund_key(refund, amount_minor: int | None) -> str:
    """The Adjustment's external id: the caller's refund id, or one derived from the amount,
    so a resend after a lost reply is a duplicate (two equal partial refunds of one purchase
    need distinct refund ids)."""
    if refund.refund_id:
        return f"plugin:{refund.refund_id}"
    return f"plugin:{'rest' if amount_minor is None else amount_minor}"


# --- the Server page ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Status:
    last_join: datetime | None
    joins_today: int  # distinct players seen since midnight UTC
    last_purchase: Purchase | None


def status(server_id: int) -> Status:
    """What the plugin has sent lately: the last join, today's players, the last purchase."""
    midnight = datetime.combine(utcnow().date(), time(), tzinfo=timezone.utc)
    last_join, today = db.session.execute(select(
        func.max(Player.last_seen),
        func.count(Player.id).filter(Player.last_seen >= midnight))
        .where(Player.server_id == server_id)).one()
    last_purchase = db.session.scalar(
        select(Purchase).join(Delivery, Purchase.delivery_id == Delivery.id)
        .where(Purchase.server_id == server_id, Delivery.store == SOURCE)
        .order_by(Purchase.id.desc()).limit(1))
    return Status(last_join, today, last_purchase)
