"""Keeping the revenue rollups (models/rollup.py) equal to the purchases they summarise.

Every change to a purchase's money or attribution goes through one of these, inside
the caller's transaction:

* ``add_purchase(p)``            — ledger.purchases.record_purchase, after the insert
* ``add_reversal(p, kind, n)``   — ledger.corrections.apply_reversal
* ``reattribute(p, player_id, campaign_id)`` — link, unlink, and rematch_unmatched

Figures are kept per day and per month (``span``), so any period reads at most its
edge days plus whole months. The upsert is portable and safe under concurrency:
UPDATE; if no row, INSERT in a savepoint; if another transaction inserted it first
(IntegrityError), UPDATE again.

Unique buyers: ``Buyer`` keeps each buyer's last purchase day and ``BuyerDay`` counts
buyers by that day, per scope (Network or Server, all stores or one). Buyers in
"the last N days" or "all time" are the buyers whose last purchase day is in the
period: a sum over at most one BuyerDay row per day, however many buyers there are,
and exact. (A range that ends in the past cannot be answered this way; ledger.revenue
counts it from that range's purchases.)

``rebuild_rollups()`` recomputes everything from purchases and adjustments (used by
bench/revenue after a bulk insert, and by the tests as the reference).
"""
from datetime import date, timezone

from sqlalchemy import and_, case, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Adjustment, Buyer, BuyerDay, ItemDay, Purchase, PurchaseItem, RevenueDay
from models.purchase import CHARGEBACK, REFUND
from models.rollup import ALL_SERVERS, ALL_STORES, CAMPAIGN, CREATOR, DAY, MATCHED, MONTH

_MEASURE = {REFUND: "refunded_minor", CHARGEBACK: "chargeback_minor"}


def purchase_day(purchase: Purchase) -> date:
    return purchase.purchased_at.astimezone(timezone.utc).date()


def add_purchase(purchase: Purchase) -> None:
    """Count a newly recorded purchase in every rollup."""
    _count(purchase, 1)
    for item in purchase.items:
        _bump_spans(ItemDay, purchase, {"name": item.name},
                    {"purchases": 1, "quantity": item.quantity, "total_minor": item.total_minor})
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
    for dimension, ref_id in ((MATCHED, 1 if purchase.player_id else 0),
                              (CAMPAIGN, purchase.campaign_id or 0),
                              (CREATOR, purchase.creator_id or 0)):
        _bump_spans(RevenueDay, purchase, {"dimension": dimension, "ref_id": ref_id}, deltas)


def _bump_spans(model, purchase: Purchase, key: dict, deltas: dict) -> None:
    day = purchase_day(purchase)
    base = {"network_id": purchase.network_id, "server_id": purchase.server_id,
            "currency": purchase.currency, "store": purchase.store, **key}
    _bump(model, {**base, "span": DAY, "day": day}, deltas)
    _bump(model, {**base, "span": MONTH, "day": day.replace(day=1)}, deltas)


def _add_buyer(purchase: Purchase) -> None:
    day = purchase_day(purchase)
    for server_id in (purchase.server_id, ALL_SERVERS):
        for store in (purchase.store, ALL_STORES):
            scope = {"network_id": purchase.network_id, "server_id": server_id, "store": store,
                     "currency": purchase.currency}
            _move_buyer(scope, purchase.username_key, day)


def _move_buyer(scope: dict, buyer_key: str, day: date) -> None:
    """Make ``day`` the buyer's last purchase day if it is later, keeping BuyerDay in step."""
    key = {**scope, "buyer_key": buyer_key}
    row = db.session.execute(select(Buyer.id, Buyer.last_day).filter_by(**key)
                             .with_for_update()).first()
    if row is not None and row.last_day >= day:
        return
    if row is not None:
        db.session.execute(update(Buyer.__table__).where(Buyer.__table__.c.id == row.id)
                           .values(last_day=day))
        _bump(BuyerDay, {**scope, "day": row.last_day}, {"buyers": -1})
    else:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(Buyer.__table__).values(**key, last_day=day))
        except IntegrityError:  # another transaction recorded this buyer first
            _move_buyer(scope, buyer_key, day)
            return
    _bump(BuyerDay, {**scope, "day": day}, {"buyers": 1})


def _bump(model, key: dict, deltas: dict) -> None:
    table = model.__table__
    where = and_(*(table.c[name] == value for name, value in key.items()))
    statement = update(table).where(where).values(
        {name: table.c[name] + value for name, value in deltas.items()})
    if db.session.execute(statement).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(table).values(**key, **deltas))
    except IntegrityError:  # another transaction inserted the row first
        db.session.execute(statement)


# --- from scratch ---------------------------------------------------------------------

def rebuild_rollups(network_id: int | None = None) -> None:
    """Recompute every rollup row (of one Network, or all) from purchases and adjustments."""
    for model in (RevenueDay, ItemDay, Buyer, BuyerDay):
        statement = delete(model)
        if network_id is not None:
            statement = statement.where(model.network_id == network_id)
        db.session.execute(statement)
    for span in (DAY, MONTH):
        for dimension, ref in ((MATCHED, case((Purchase.player_id.is_(None), 0), else_=1)),
                               (CAMPAIGN, func.coalesce(Purchase.campaign_id, 0)),
                               (CREATOR, func.coalesce(Purchase.creator_id, 0))):
            db.session.execute(_revenue_select(span, dimension, ref, network_id))
        db.session.execute(_items_select(span, network_id))
    for all_servers in (False, True):
        for all_stores in (False, True):
            db.session.execute(_buyers_select(all_servers, all_stores, network_id))
    db.session.execute(_buyer_days_select(network_id))


def _day(span: str):
    """The purchase's UTC day (or the 1st of its month) as SQL, on SQLite and PostgreSQL."""
    if span == DAY:
        return func.date(Purchase.purchased_at)
    if db.engine.dialect.name == "sqlite":
        return func.date(Purchase.purchased_at, "start of month")
    return func.date(func.date_trunc("month", Purchase.purchased_at))


def _scoped(query, network_id):
    return query if network_id is None else query.where(Purchase.network_id == network_id)


def _revenue_select(span: str, dimension: str, ref, network_id):
    def total(kind):
        return func.coalesce(func.sum(case((Adjustment.kind == kind, Adjustment.amount_minor),
                                           else_=0)), 0)

    reversals = (select(Adjustment.purchase_id, total(REFUND).label("refunded"),
                        total(CHARGEBACK).label("chargeback"))
                 .group_by(Adjustment.purchase_id).subquery())
    keys = (Purchase.network_id, Purchase.server_id, _day(span), Purchase.currency,
            Purchase.store, ref)
    query = _scoped(select(
        *keys, literal(span), literal(dimension), func.count(), func.sum(Purchase.amount_minor),
        func.coalesce(func.sum(reversals.c.refunded), 0),
        func.coalesce(func.sum(reversals.c.chargeback), 0),
    ).outerjoin(reversals, reversals.c.purchase_id == Purchase.id), network_id).group_by(*keys)
    columns = ("network_id", "server_id", "day", "currency", "store", "ref_id", "span",
               "dimension", "purchases", "gross_minor", "refunded_minor", "chargeback_minor")
    return insert(RevenueDay).from_select(columns, query)


def _items_select(span: str, network_id):
    keys = (Purchase.network_id, Purchase.server_id, _day(span), Purchase.currency,
            Purchase.store, PurchaseItem.name)
    query = _scoped(select(*keys, literal(span), func.count(), func.sum(PurchaseItem.quantity),
                           func.sum(PurchaseItem.total_minor))
                    .join(Purchase, Purchase.id == PurchaseItem.purchase_id),
                    network_id).group_by(*keys)
    columns = ("network_id", "server_id", "day", "currency", "store", "name", "span",
               "purchases", "quantity", "total_minor")
    return insert(ItemDay).from_select(columns, query)


def _buyers_select(all_servers: bool, all_stores: bool, network_id):
    server = literal(ALL_SERVERS) if all_servers else Purchase.server_id
    store = literal(ALL_STORES) if all_stores else Purchase.store
    groups = [Purchase.network_id, Purchase.currency, Purchase.username_key]
    groups += [] if all_servers else [Purchase.server_id]
    groups += [] if all_stores else [Purchase.store]
    query = _scoped(select(Purchase.network_id, server, store, Purchase.currency,
                           Purchase.username_key, func.max(_day(DAY))), network_id)
    columns = ("network_id", "server_id", "store", "currency", "buyer_key", "last_day")
    return insert(Buyer).from_select(columns, query.group_by(*groups))


def _buyer_days_select(network_id):
    keys = (Buyer.network_id, Buyer.server_id, Buyer.store, Buyer.currency, Buyer.last_day)
    query = select(*keys, func.count()).group_by(*keys)
    if network_id is not None:
        query = query.where(Buyer.network_id == network_id)
    columns = ("network_id", "server_id", "store", "currency", "day", "buyers")
    return insert(BuyerDay).from_select(columns, query)
