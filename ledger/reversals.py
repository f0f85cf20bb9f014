"""Refunds and chargebacks sent by stores, applied through ledger.corrections.apply_reversal.

Two shapes: the store names the transaction (Tebex), or it does not and Tally
finds the purchase by player, package and total (EnderPay). Both return
(changed, note): note explains a delivery that changed nothing on purpose.
"""
from sqlalchemy import exists, select

from events import Item, PurchaseEvent
from extensions import db
from ledger import locks, purchases
from ledger.corrections import CorrectionError, apply_reversal
from models import Adjustment, Purchase, PurchaseItem, Server
from models.base import fold


def reverse_by_transaction(server: Server, store: str, event) -> tuple[bool, str | None]:
    """Apply ``event`` (events.ReversalEvent) to the purchase it names."""
    purchase = db.session.scalar(select(Purchase).filter_by(
        server_id=server.id, store=store, transaction_id=event.transaction_id))
    if purchase is None:
        return False, f"no purchase {event.transaction_id!r} to apply the {event.kind} to"
    try:
        _, created = apply_reversal(purchase, event.kind, event.amount_minor,
                                    external_id=event.external_id, reason=event.reason)
    except CorrectionError as exc:
        return False, f"{event.kind} of {event.transaction_id!r} not applied: {exc}"
    return created, None


def reverse_by_match(server: Server, store: str, event, delivery_id: int | None) -> tuple[bool, str | None]:
    """Apply ``event`` (events.MatchedReversalEvent).

    The most recent purchase of the same player, gross and currency (and item,
    when named) with no reversal of this kind yet is reversed in full (what
    remains of it). Without one, a standalone negative purchase is recorded, so
    revenue still drops by the amount. Retries (same external id or one of its
    ``duplicate_if_recorded`` aliases) change nothing.
    """
    keys = (event.external_id, *event.duplicate_if_recorded)
    locks.hold(*locks.dedupe_names(server.id, store, event))  # copies of this event queue here
    standalone_ids = tuple(f"{event.kind}:{key}"[:128] for key in keys)
    if _already_applied(server.id, store, event.kind, keys, standalone_ids):
        return False, None
    purchase = _match(server.id, store, event)
    if purchase is not None:
        try:
            _, created = apply_reversal(
                purchase, event.kind, None, external_id=event.external_id,
                reason=f"{store} {event.kind} matched by player, package and total")
        except CorrectionError as exc:  # raced with an owner's correction
            return False, f"{event.kind} not applied: {exc}"
        return created, None
    standalone = PurchaseEvent(
        transaction_id=standalone_ids[0], username=event.username,
        amount_minor=-event.amount_minor, currency=event.currency,
        items=(Item(event.item_name or event.kind, event.quantity, -event.amount_minor),),
        purchased_at=event.occurred_at, uuid=event.uuid,
        extra={**event.extra, "standalone": event.kind},
        duplicate_if_recorded=standalone_ids[1:])
    _, created = purchases.record_purchase(server, store, standalone, delivery_id)
    note = f"no matching purchase: recorded a standalone negative {event.kind}" if created else None
    return created, note


def _already_applied(server_id: int, store: str, kind: str, keys: tuple, standalone_ids: tuple) -> bool:
    adjusted = db.session.scalar(
        select(Adjustment.id).join(Purchase, Adjustment.purchase_id == Purchase.id)
        .where(Purchase.server_id == server_id, Purchase.store == store,
               Adjustment.kind == kind, Adjustment.external_id.in_(keys)).limit(1))
    if adjusted is not None:
        return True
    return db.session.scalar(select(Purchase.id).where(
        Purchase.server_id == server_id, Purchase.store == store,
        Purchase.transaction_id.in_(standalone_ids)).limit(1)) is not None


def _match(server_id: int, store: str, event) -> Purchase | None:
    query = (select(Purchase)
             .where(Purchase.server_id == server_id, Purchase.store == store,
                    Purchase.username_key == fold(event.username),
                    Purchase.amount_minor == event.amount_minor,
                    Purchase.currency == event.currency,
                    Purchase.reversed_minor < Purchase.amount_minor,
                    ~exists().where(Adjustment.purchase_id == Purchase.id,
                                    Adjustment.kind == event.kind))
             .order_by(Purchase.purchased_at.desc(), Purchase.id.desc()).limit(1)
             # a different chargeback being applied right now takes the next matching purchase
             .with_for_update(skip_locked=True))
    if event.item_name:
        query = query.where(exists().where(PurchaseItem.purchase_id == Purchase.id,
                                           PurchaseItem.name == event.item_name))
    return db.session.scalar(query)
