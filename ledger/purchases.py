"""Recording purchases exactly once, and attributing them.

Idempotency rests on the unique constraint (server_id, store, transaction_id):
``insert_purchase`` is one INSERT ... ON CONFLICT DO NOTHING, so a retry, or a copy
that raced us and committed first, inserts nothing. ``record_purchase`` is the same
write for callers that want the model back. The caller commits; nothing here is
visible until it does.
"""
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from extensions import db
from ledger import batch, locks, outbox, prepared, rollups
from models import Player, Purchase, Server
from models.base import fold, utcnow


def record_purchase(server: Server, store: str, event, delivery_id: int | None = None):
    """Add a purchase for ``event`` (a events.PurchaseEvent).

    Returns (purchase, created). ``created`` is False when the transaction id was
    already recorded for this Server and store (under its own id or one of
    ``event.duplicate_if_recorded``); the stored purchase is untouched.
    """
    purchase_id = insert_purchase(server, store, event, delivery_id)
    if purchase_id is not None:
        return db.session.get(Purchase, purchase_id), True
    return db.session.scalar(select(Purchase).filter(
        Purchase.server_id == server.id, Purchase.store == store,
        Purchase.transaction_id.in_((event.transaction_id, *event.duplicate_if_recorded)))
        .order_by(Purchase.id).limit(1)), False


def insert_purchase(server, store: str, event, delivery_id: int | None = None,
                    conn=None) -> int | None:
    """Record a purchase; its id, or None for a duplicate. The one write path for purchases.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING id (SQLite and PostgreSQL) whose player,
    Campaign and Creator come from subqueries in the same statement; a duplicate (even one
    racing us from another process) costs no savepoint and no error. The statements are
    prepared once (ledger.prepared); each call only binds values. ``server`` may be a model
    or any object with ``id`` and ``network_id``. The rollups are counted from the inserted values and the
    attribution the INSERT returns (nothing is loaded back). ``conn``: the session's
    connection, when the caller already holds it.
    """
    conn = conn if conn is not None else db.session.connection()
    if event.duplicate_if_recorded:
        locks.hold(*locks.dedupe_names(server.id, store, event))
    if event.duplicate_if_recorded and conn.execute(_RECORDED, {
            "server_id": server.id, "store": store,
            "ids": list(event.duplicate_if_recorded)}).first():
        return None
    columns = _columns(server, store, event, delivery_id)
    row = prepared.INSERT_PURCHASE[conn.dialect.name].execute(
        conn, columns | _attribution_params(server, event)).fetchone()
    if row is None:
        return None
    ids = dict(zip(("id", "player_id", "campaign_id", "creator_id"), row))
    batch.later(conn, prepared.INSERT_ITEM, [
        {"purchase_id": ids["id"], "name": i.name, "quantity": i.quantity,
         "total_minor": i.total_minor} for i in event.items])
    rollups.add_purchase(conn, SimpleNamespace(**columns, **ids), event.items)
    outbox.emit(server.network_id, outbox.PURCHASE, outbox.purchase_data(columns, ids, event.items),
                server.id, conn)
    return ids["id"]


def _columns(server: Server, store: str, event, delivery_id) -> dict:
    """The purchase's own columns; attribution comes from the INSERT's subqueries."""
    return dict(
        network_id=server.network_id, server_id=server.id, store=store,
        transaction_id=event.transaction_id, username=event.username,
        username_key=fold(event.username), coupon=event.coupon, uuid=event.uuid,
        email=event.email, amount_minor=event.amount_minor, reversed_minor=0,
        currency=event.currency, recurring=event.recurring, purchased_at=event.purchased_at,
        received_at=utcnow(), delivery_id=delivery_id, extra=event.extra or None,
    )


def _attribution_params(server: Server, event) -> dict:
    return {"a_server_id": server.id, "a_username_key": fold(event.username),
            "a_network_id": server.network_id,
            "a_code_key": fold(event.coupon) if event.coupon else None}


_RECORDED = select(Purchase.id).where(
    Purchase.server_id == bindparam("server_id"), Purchase.store == bindparam("store"),
    Purchase.transaction_id.in_(bindparam("ids", expanding=True))).limit(1)


def find_player(server_id: int, username: str) -> Player | None:
    return db.session.scalar(select(Player).filter_by(server_id=server_id,
                                                      username_key=fold(username)))


def rematch_unmatched(*players: Player) -> int:
    """Link Unmatched purchases made under these players' names (on each player's Server) to
    them and their originating Campaign, moving them between rollup rows. Called on every
    join, in the same transaction: a purchase that raced a player's first join is caught on
    the next one. Returns how many purchases were re-matched."""
    by_key = {(p.server_id, p.username_key): p for p in players}
    if not by_key:
        return 0
    unmatched = db.session.scalars(select(Purchase).where(
        Purchase.server_id.in_({server_id for server_id, _ in by_key}),
        Purchase.username_key.in_({key for _, key in by_key}),
        Purchase.player_id.is_(None))).all()
    count = 0
    for purchase in unmatched:
        player = by_key.get((purchase.server_id, purchase.username_key))
        if player is not None:
            rollups.reattribute(purchase, player.id, player.campaign_id)
            count += 1
    return count
