"""Writing outbox events: in the transaction of the change that causes them (models/outbox.py).

Every writer of money calls ``emit`` next to its own write: a purchase recorded
(ledger.purchases), a refund or chargeback (ledger.corrections), a gateway payment pending
or paid (ledger.gateway), an integration failing (ledger.deliveries, ledger.health). The
worker turns them into sends (ledger.fanout) and delivers them (ledger.sending).
"""
import secrets

from extensions import db
from ledger import batch, prepared
from models.base import utcnow

PURCHASE = "purchase.accepted"
REFUND = "purchase.refunded"
CHARGEBACK = "purchase.charged_back"
PAYMENT_PENDING = "payment.pending"
PAYMENT_PAID = "payment.paid"
INTEGRATION_FAILING = "integration.failing"
KINDS = (PURCHASE, REFUND, CHARGEBACK, PAYMENT_PENDING, PAYMENT_PAID, INTEGRATION_FAILING)


def emit(network_id: int, kind: str, data: dict, server_id: int | None = None,
         conn=None) -> str:
    """Add an event to the caller's transaction (in an applier's batch: at its end, still in
    its transaction); its stable id ("evt_…")."""
    uid = "evt_" + secrets.token_hex(12)
    conn = conn if conn is not None else db.session.connection()
    batch.later(conn, prepared.INSERT_OUTBOX, [{
        "uid": uid, "network_id": network_id, "server_id": server_id, "kind": kind,
        "data": data, "created_at": utcnow(), "fanned_out_at": None}])
    return uid


def reversal_data(purchase, amount_minor: int, reason: str | None, by_owner: bool) -> dict:
    """What a purchase.refunded or purchase.charged_back event says: the reversal, and the
    purchase it takes money from with its attribution and items (the alerts name them)."""
    return {"purchase_id": purchase.id, "server_id": purchase.server_id,
            "store": purchase.store, "transaction_id": purchase.transaction_id,
            "username": purchase.username, "amount_minor": amount_minor,
            "currency": purchase.currency, "reason": reason, "by_owner": by_owner,
            "items": [{"name": i.name, "quantity": i.quantity} for i in purchase.items],
            "player_id": purchase.player_id, "campaign_id": purchase.campaign_id,
            "creator_id": purchase.creator_id}


def purchase_data(columns: dict, ids: dict, items) -> dict:
    """What a purchase.accepted event says: the purchase as recorded, with its attribution."""
    return {"purchase_id": ids["id"], "server_id": columns["server_id"],
            "store": columns["store"], "transaction_id": columns["transaction_id"],
            "username": columns["username"], "amount_minor": columns["amount_minor"],
            "currency": columns["currency"], "coupon": columns["coupon"],
            "items": [{"name": i.name, "quantity": i.quantity} for i in items],
            "player_id": ids["player_id"], "campaign_id": ids["campaign_id"],
            "creator_id": ids["creator_id"], "recurring": columns["recurring"],
            "purchased_at": columns["purchased_at"].isoformat()}
