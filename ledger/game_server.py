"""What the game-server plugin sends besides joins: purchases and refunds from the fallback
command (POST /api/v1/purchases and /api/v1/refunds), and the plugin's status on the Server page.

A purchase is an object with the Custom webhook's fields, read by the Custom webhook's own
parser (providers.custom.parse_purchase), plus ``coupon`` (a creator code) and ``store``
(default "command"). It takes the one write path for purchases (ledger.purchases), so
matching, Campaign, creator and rollups are a webhook's, and it is recorded once per
(Server, store, transaction id). A refund is booked like a store's, through
ledger.corrections.apply_reversal, once per refund id. Every call leaves a Delivery row with
store ``SOURCE``: the Server's "Game server" log. A call is all or nothing; the caller commits.
"""
import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timezone
from decimal import Decimal

from sqlalchemy import func, select

from extensions import db
from ledger import purchases
from ledger.corrections import CorrectionError, apply_reversal
from ledger.ingest import ACCEPTED, DUPLICATE, DeliveryLog
from models import Delivery, Player, Purchase, Server
from models.base import utcnow
from models.purchase import REFUND
from providers import custom
from providers.base import (PayloadError, PurchaseEvent, check_amount, decimal_number, load_json,
                            optional_string, required_string, string_field, to_minor)

SOURCE = "plugin"  # Delivery.store of the Game server log
TITLE = "Game server"
DEFAULT_STORE = "command"
MAX_PURCHASES = 1000
STORE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class CallError(ValueError):
    """The call changes nothing; ``status`` is the HTTP status to answer (400, 404)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Counts:
    accepted: int
    duplicate: int


@dataclass(frozen=True)
class Refund:
    transaction_id: str
    store: str
    amount: Decimal | None  # in the purchase's currency; None: all that remains
    refund_id: str | None


def record_purchases(server: Server, body: bytes, log: DeliveryLog) -> Counts:
    """Record one purchase object or a list of 1 to MAX_PURCHASES; every one is checked first."""
    events = parse_purchases(body, log.received_at)
    conn = db.session.connection()
    delivery = log.start(conn, server, events[0][1].transaction_id)
    accepted = sum(purchases.insert_purchase(server, store, event, delivery.id, conn) is not None
                   for store, event in events)
    counts = Counts(accepted, len(events) - accepted)
    reason = f"{counts.accepted} new, {counts.duplicate} already recorded" if len(events) > 1 \
        else None
    log.finish(conn, delivery, ACCEPTED if accepted else DUPLICATE, reason)
    return counts


def parse_purchases(body: bytes, received_at: datetime) -> list[tuple[str, PurchaseEvent]]:
    """(store, event) for each purchase; CallError naming the entry (``[3].amount ...``)."""
    payload = _json(body)
    if isinstance(payload, dict):
        return [_purchase(payload, received_at, "")]
    if not isinstance(payload, list):
        raise CallError("the body must be a JSON object or a list of objects")
    if not payload:
        raise CallError("the list of purchases is empty")
    if len(payload) > MAX_PURCHASES:
        raise CallError(f"at most {MAX_PURCHASES} purchases per request, got {len(payload)}")
    return [_purchase(item, received_at, f"[{index}].") for index, item in enumerate(payload)]


def _purchase(item, received_at: datetime, where: str) -> tuple[str, PurchaseEvent]:
    if not isinstance(item, dict):
        raise CallError(f"{where.rstrip('.')}: must be an object")
    try:
        event = custom.parse_purchase(item, received_at)
        coupon = optional_string(item, "coupon", max_length=64)
        store = _store(item)
    except PayloadError as exc:
        raise CallError(f"{where}{exc}") from None
    return store, replace(event, coupon=coupon)


def record_refund(server: Server, body: bytes, log: DeliveryLog) -> Counts:
    """Refund a purchase of this Server (404 when there is none), once per refund id."""
    refund = parse_refund(body)
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


def parse_refund(body: bytes) -> Refund:
    data = _json(body)
    if not isinstance(data, dict):
        raise CallError("the body must be a JSON object")
    try:
        amount = data.get("amount")
        return Refund(
            transaction_id=required_string(data, "transaction_id"),
            store=_store(data),
            amount=None if amount is None else check_amount(decimal_number(amount, "amount"),
                                                            "amount"),
            refund_id=string_field(data, "refund_id", max_length=64))
    except PayloadError as exc:
        raise CallError(str(exc)) from None


def _refund_key(refund: Refund, amount_minor: int | None) -> str:
    """The Adjustment's external id: the caller's refund id, or one derived from the amount,
    so a resend after a lost reply is a duplicate (two equal partial refunds of one purchase
    need distinct refund ids)."""
    if refund.refund_id:
        return f"plugin:{refund.refund_id}"
    return f"plugin:{'rest' if amount_minor is None else amount_minor}"


def _store(data: dict) -> str:
    store = string_field(data, "store", max_length=32)
    if store is None:
        return DEFAULT_STORE
    if not STORE_NAME.fullmatch(store):
        raise PayloadError("store must be 1-32 lowercase letters, digits, - or _")
    return store


def _json(body: bytes):
    try:
        return load_json(body)
    except PayloadError as exc:
        raise CallError(str(exc)) from None


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
