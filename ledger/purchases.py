"""Recording purchases exactly once, and attributing them.

Idempotency rests on the unique constraint (server_id, store, transaction_id):
the insert runs in a savepoint, and a duplicate (including one that raced us
and committed first) raises IntegrityError, which we turn into "duplicate".
The caller commits; nothing here is visible until it does.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from ledger import rollups
from models import Creator, Player, Purchase, PurchaseItem, Server
from models.base import fold


def record_purchase(server: Server, store: str, event, delivery_id: int | None = None):
    """Add a purchase for ``event`` (a providers.base.PurchaseEvent).

    Returns (purchase, created). ``created`` is False when the transaction id was
    already recorded for this Server and store; the stored purchase is untouched.
    """
    purchase = _build(server, store, event, delivery_id)
    try:
        with db.session.begin_nested():
            db.session.add(purchase)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(select(Purchase).filter_by(
            server_id=server.id, store=store, transaction_id=event.transaction_id))
        if existing is None:  # the constraint that failed was not ours to explain
            raise
        return existing, False
    rollups.add_purchase(purchase)
    return purchase, True


def _build(server: Server, store: str, event, delivery_id) -> Purchase:
    player = find_player(server.id, event.username)
    purchase = Purchase(
        network_id=server.network_id, server_id=server.id, store=store,
        transaction_id=event.transaction_id, username=event.username,
        username_key=fold(event.username), player_id=player.id if player else None,
        campaign_id=player.campaign_id if player else None,
        creator_id=find_creator_id(server.network_id, event.coupon),
        coupon=event.coupon, uuid=event.uuid, email=event.email,
        amount_minor=event.amount_minor, reversed_minor=0, currency=event.currency,
        recurring=event.recurring, purchased_at=event.purchased_at,
        delivery_id=delivery_id, extra=event.extra or None,
    )
    purchase.items = [PurchaseItem(name=i.name, quantity=i.quantity, total_minor=i.total_minor)
                      for i in event.items]
    return purchase


def find_player(server_id: int, username: str) -> Player | None:
    return db.session.scalar(select(Player).filter_by(server_id=server_id,
                                                      username_key=fold(username)))


def find_creator_id(network_id: int, code: str | None) -> int | None:
    if not code:
        return None
    return db.session.scalar(select(Creator.id).filter_by(network_id=network_id,
                                                          code_key=fold(code)))


def rematch_unmatched(player: Player) -> int:
    """Attribute this Server's Unmatched purchases by ``player``'s name to them (first join).

    Minimal version for the revenue branch; reconcile with the players branch at merge.
    """
    purchases = db.session.scalars(select(Purchase).filter_by(
        server_id=player.server_id, username_key=player.username_key, player_id=None)).all()
    for purchase in purchases:
        rollups.reattribute(purchase, player.id, player.campaign_id)
    return len(purchases)
