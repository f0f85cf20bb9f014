"""Keeping the revenue rollups (models/rollup.py) equal to the purchases they summarise.

Every change to a purchase's money or attribution goes through one of these, inside
the caller's transaction:

* ``add_purchase(p)``            — ledger.purchases.record_purchase, after the insert
* ``add_reversal(p, kind, n)``   — ledger.corrections.apply_reversal
* ``reattribute(p, player_id, campaign_id)`` — link, unlink, and rematch_unmatched

The upsert is portable and safe under concurrency: UPDATE; if no row, INSERT in a
savepoint; if another transaction inserted first (IntegrityError), UPDATE again.

Unique buyers: ``Buyer`` keeps each (Server, currency, store, buyer)'s first and last
purchase day. "Buyers since day D" (7/30/90 days, all time) is then the number of
buyers whose last purchase day is >= D: exact, and it costs one row per buyer rather
than one per purchase. A range that ends in the past cannot be answered this way;
ledger.revenue counts it from the purchases in that range (bounded by the range).

``rebuild_rollups()`` recomputes everything from purchases and adjustments (used by
bench/revenue after a bulk insert, and by the tests as the reference).
"""
from datetime import date, timezone

from sqlalchemy import and_, case, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Adjustment, Buyer, ItemDay, Purchase, RevenueDay
from models.purchase import CHARGEBACK, REFUND
from models.rollup import CAMPAIGN, CREATOR, MATCHED

_MEASURE = {REFUND: "refunded_minor", CHARGEBACK: "chargeback_minor"}


def purchase_day(purchase: Purchase) -> date:
    return purchase.purchased_at.astimezone(timezone.utc).date()


def add_purchase(purchase: Purchase) -> None:
    """Count a newly recorded purchase in every rollup."""
    _count(purchase, 1)
    _add_items(purchase)
    _add_buyer(purchase)


def add_reversal(purchase: Purchase, kind: str, amount_minor: int) -> None:
    _bump_dimensions(purchase, {_MEASURE[kind]: amount_minor})


def reattribute(purchase: Purchase, player_id: int | None, campaign_id: int | None) -> None:
    """Set a purchase's Player and Campaign, moving its figures between rollup rows."""
    _count(purchase, -1)
    purchase.player_id = player_id
    purchase.campaign_id = campaign_id
    _count(purchase, 1)


def reversal_totals(purchase: Purchase) -> tuple[int, int]:
    """(refunded, charged back) so far, from its Adjustment rows."""
    if not purchase.reversed_minor:
        return 0, 0
    rows = dict(db.session.execute(
        select(Adjustment.kind, func.sum(Adjustment.amount_minor))
        .where(Adjustment.purchase_id == purchase.id, Adjustment.kind.in_(_MEASURE))
        .group_by(Adjustment.kind)).all())
    return int(rows.get(REFUND) or 0), int(rows.get(CHARGEBACK) or 0)


def _count(purchase: Purchase, sign: int) -> None:
    """Add (sign=1) or take out (sign=-1) a purchase, with its reversals so far."""
    refunded, chargeback = reversal_totals(purchase)
    _bump_dimensions(purchase, {
        "purchases": sign, "gross_minor": sign * purchase.amount_minor,
        "refunded_minor": sign * refunded, "chargeback_minor": sign * chargeback})


def _bump_dimensions(purchase: Purchase, deltas: dict) -> None:
    base = {"network_id": purchase.network_id, "server_id": purchase.server_id,
            "day": purchase_day(purchase), "currency": purchase.currency, "store": purchase.store}
    for dimension, ref_id in _dimension_keys(purchase):
        _bump(RevenueDay, {**base, "dimension": dimension, "ref_id": ref_id}, deltas)


def _dimension_keys(purchase: Purchase):
    return ((MATCHED, 1 if purchase.player_id else 0),
            (CAMPAIGN, purchase.campaign_id or 0),
            (CREATOR, purchase.creator_id or 0))


def _add_items(purchase: Purchase) -> None:
    base = {"network_id": purchase.network_id, "server_id": purchase.server_id,
            "day": purchase_day(purchase), "currency": purchase.currency, "store": purchase.store}
    for item in purchase.items:
        _bump(ItemDay, {**base, "name": item.name},
              {"purchases": 1, "quantity": item.quantity, "total_minor": item.total_minor})


def _add_buyer(purchase: Purchase) -> None:
    table = Buyer.__table__
    day = purchase_day(purchase)
    key = {"network_id": purchase.network_id, "server_id": purchase.server_id,
           "currency": purchase.currency, "store": purchase.store,
           "buyer_key": purchase.username_key}
    changes = {"first_day": case((table.c.first_day > day, day), else_=table.c.first_day),
               "last_day": case((table.c.last_day < day, day), else_=table.c.last_day)}
    _upsert(table, key, changes, {"first_day": day, "last_day": day})


def _bump(model, key: dict, deltas: dict) -> None:
    table = model.__table__
    changes = {name: table.c[name] + value for name, value in deltas.items()}
    _upsert(table, key, changes, deltas)


def _upsert(table, key: dict, changes: dict, initial: dict) -> None:
    where = and_(*(table.c[name] == value for name, value in key.items()))
    statement = update(table).where(where).values(changes)
    if db.session.execute(statement).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(table).values(**key, **initial))
    except IntegrityError:  # another transaction inserted the row first
        db.session.execute(statement)


# --- from scratch ---------------------------------------------------------------------

def rebuild_rollups(network_id: int | None = None) -> None:
    """Recompute every rollup row (of one Network, or all) from purchases and adjustments."""
    for model in (RevenueDay, ItemDay, Buyer):
        statement = delete(model)
        if network_id is not None:
            statement = statement.where(model.network_id == network_id)
        db.session.execute(statement)
    for dimension, ref in _rebuild_dimensions():
        db.session.execute(_revenue_select(dimension, ref, network_id))
    db.session.execute(_items_select(network_id))
    db.session.execute(_buyers_select(network_id))


def _day(column):
    return func.date(column)


def _rebuild_dimensions():
    return ((MATCHED, case((Purchase.player_id.is_(None), 0), else_=1)),
            (CAMPAIGN, func.coalesce(Purchase.campaign_id, 0)),
            (CREATOR, func.coalesce(Purchase.creator_id, 0)))


def _reversals_by_purchase():
    def total(kind):
        return func.coalesce(func.sum(case((Adjustment.kind == kind, Adjustment.amount_minor),
                                           else_=0)), 0)
    return (select(Adjustment.purchase_id, total(REFUND).label("refunded"),
                   total(CHARGEBACK).label("chargeback"))
            .group_by(Adjustment.purchase_id).subquery())


def _scoped(query, network_id):
    return query if network_id is None else query.where(Purchase.network_id == network_id)


def _revenue_select(dimension: str, ref, network_id):
    rev = _reversals_by_purchase()
    keys = (Purchase.network_id, Purchase.server_id, _day(Purchase.purchased_at),
            Purchase.currency, Purchase.store, ref)
    query = _scoped(select(
        *keys, literal(dimension), func.count(), func.sum(Purchase.amount_minor),
        func.coalesce(func.sum(rev.c.refunded), 0), func.coalesce(func.sum(rev.c.chargeback), 0),
    ).outerjoin(rev, rev.c.purchase_id == Purchase.id), network_id).group_by(*keys)
    columns = ("network_id", "server_id", "day", "currency", "store", "ref_id", "dimension",
               "purchases", "gross_minor", "refunded_minor", "chargeback_minor")
    return insert(RevenueDay).from_select(columns, query)


def _items_select(network_id):
    from models import PurchaseItem

    keys = (Purchase.network_id, Purchase.server_id, _day(Purchase.purchased_at),
            Purchase.currency, Purchase.store, PurchaseItem.name)
    query = _scoped(select(*keys, func.count(), func.sum(PurchaseItem.quantity),
                           func.sum(PurchaseItem.total_minor))
                    .join(Purchase, Purchase.id == PurchaseItem.purchase_id),
                    network_id).group_by(*keys)
    columns = ("network_id", "server_id", "day", "currency", "store", "name", "purchases",
               "quantity", "total_minor")
    return insert(ItemDay).from_select(columns, query)


def _buyers_select(network_id):
    keys = (Purchase.network_id, Purchase.server_id, Purchase.currency, Purchase.store,
            Purchase.username_key)
    query = _scoped(select(*keys, func.min(_day(Purchase.purchased_at)),
                           func.max(_day(Purchase.purchased_at))), network_id).group_by(*keys)
    columns = ("network_id", "server_id", "currency", "store", "buyer_key", "first_day",
               "last_day")
    return insert(Buyer).from_select(columns, query)
