"""Recording purchases exactly once, and attributing them.

Idempotency rests on the unique constraint (server_id, store, transaction_id).
``record_purchase`` (ORM) inserts in a savepoint and turns the IntegrityError of a
duplicate (including one that raced us and committed first) into "duplicate";
``insert_purchase`` (the webhook hot path) is one INSERT ... ON CONFLICT DO NOTHING.
Both attribute the same way (``_attribution``). The caller commits; nothing here is
visible until it does.
"""
from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Creator, Player, Purchase, PurchaseItem, Server
from models.base import fold, utcnow


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
    return purchase, True


def insert_purchase(server: Server, store: str, event, delivery_id: int | None = None) -> int | None:
    """The webhook hot path's record_purchase: the new purchase's id, or None for a duplicate.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING id (SQLite and PostgreSQL) whose player,
    Campaign and Creator come from subqueries in the same statement; a duplicate (even one
    racing us from another process) costs no savepoint and no error. The statements are
    built once; each call only binds values.
    """
    conn = db.session.connection()  # Core execution: no ORM layer on the hot path
    params = _columns(server, store, event, delivery_id) | _attribution_params(server, event)
    purchase_id = conn.execute(_INSERT_PURCHASE[conn.dialect.name], params).scalar()
    if purchase_id is not None and event.items:
        conn.execute(_INSERT_ITEM, [
            {"purchase_id": purchase_id, "name": i.name, "quantity": i.quantity,
             "total_minor": i.total_minor} for i in event.items])
    return purchase_id


def _build(server: Server, store: str, event, delivery_id) -> Purchase:
    row = db.session.execute(_ATTRIBUTION, _attribution_params(server, event)).one()
    purchase = Purchase(**_columns(server, store, event, delivery_id),
                        player_id=row.player_id, campaign_id=row.campaign_id,
                        creator_id=row.creator_id)
    purchase.items = [PurchaseItem(name=i.name, quantity=i.quantity, total_minor=i.total_minor)
                      for i in event.items]
    return purchase


def _columns(server: Server, store: str, event, delivery_id) -> dict:
    return dict(
        network_id=server.network_id, server_id=server.id, store=store,
        transaction_id=event.transaction_id, username=event.username,
        username_key=fold(event.username), coupon=event.coupon, uuid=event.uuid,
        email=event.email, amount_minor=event.amount_minor, reversed_minor=0,
        currency=event.currency, recurring=event.recurring, purchased_at=event.purchased_at,
        received_at=utcnow(), delivery_id=delivery_id, extra=event.extra or None,
    )


def _attribution():
    """player_id, campaign_id, creator_id as subqueries: the player by folded username on the
    Server (their originating Campaign comes with them), the Creator by folded coupon code."""
    player = (Player.server_id == bindparam("a_server_id")) & \
        (Player.username_key == bindparam("a_username_key"))
    creator = (Creator.network_id == bindparam("a_network_id")) & \
        (Creator.code_key == bindparam("a_code_key"))
    return {"player_id": select(Player.id).where(player).limit(1).scalar_subquery(),
            "campaign_id": select(Player.campaign_id).where(player).limit(1).scalar_subquery(),
            "creator_id": select(Creator.id).where(creator).limit(1).scalar_subquery()}


def _attribution_params(server: Server, event) -> dict:
    return {"a_server_id": server.id, "a_username_key": fold(event.username),
            "a_network_id": server.network_id,
            "a_code_key": fold(event.coupon) if event.coupon else None}


_ATTRIBUTION = select(*(column.label(name) for name, column in _attribution().items()))
_INSERT_PURCHASE = {
    name: dialect.insert(Purchase.__table__).values(**_attribution())
    .on_conflict_do_nothing(index_elements=["server_id", "store", "transaction_id"])
    .returning(Purchase.__table__.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_INSERT_ITEM = insert(PurchaseItem.__table__)


def find_player(server_id: int, username: str) -> Player | None:
    return db.session.scalar(select(Player).filter_by(server_id=server_id,
                                                      username_key=fold(username)))


def find_creator_id(network_id: int, code: str | None) -> int | None:
    if not code:
        return None
    return db.session.scalar(select(Creator.id).filter_by(network_id=network_id,
                                                          code_key=fold(code)))
