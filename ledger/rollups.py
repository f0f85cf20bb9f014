"""Keeping the revenue rollups (models/rollup.py) equal to the purchases they summarise.

Every change to a purchase's money or attribution goes through one of these, inside
the caller's transaction:

* ``add_purchase(conn, p, items)`` — ledger.purchases.insert_purchase, after the insert
* ``add_reversal(p, kind, n)``   — ledger.corrections.apply_reversal
* ``reattribute(p, player_id, campaign_id)`` — link, unlink, and rematch_unmatched

``p`` is a Purchase or anything with its attributes (the webhook path passes the values it
just inserted, so nothing is loaded back). Figures are kept per day and per month
(``span``), so any period reads at most its edge days plus whole months. Each table is
changed by one statement (prepared once, ledger.prepared) executed for all its rows:
INSERT ... ON CONFLICT (its unique key) DO UPDATE SET x = x + excluded.x, which is atomic
under concurrency on SQLite and PostgreSQL. Rows are sent in key order, so concurrent
transactions lock shared rows in the same order.

A purchase with a Creator's code adds its buyer to ``CreatorBuyer`` (once per buyer).

Unique buyers: ``Buyer`` keeps each buyer's last purchase day and ``BuyerDay`` counts
buyers by that day, per scope (Network or Server, all stores or one). Buyers in
"the last N days" or "all time" are the buyers whose last purchase day is in the
period: a sum over at most one BuyerDay row per day, however many buyers there are,
and exact. (A range that ends in the past cannot be answered this way; ledger.revenue
counts it from that range's purchases.) A batch's buyers cost one locking SELECT of their
scope rows, and one INSERT of those it sees first.

Within ``ledger.batch.batched()`` (the worker applying a batch of deliveries) the additive
changes are summed per row and the buyers handled together, written when the batch ends.

``rebuild_rollups(network_id)`` recomputes a Network's rows (or all) from purchases and
adjustments: after deleting a Server, Campaign or Creator (whose foreign keys the rows do
not have), after bench/revenue's bulk insert, and in the tests as the reference.
"""
from collections import Counter
from datetime import date, timezone

from sqlalchemy import case, delete, func, insert, literal, select

from extensions import db
from ledger import batch, outcomes, prepared
from ledger.periods import month_sql
from models import (Adjustment, Buyer, BuyerDay, Creator, CreatorBuyer, ItemDay, Purchase,
                    PurchaseItem, RevenueDay)
from models.purchase import CHARGEBACK, REFUND
from models.rollup import ALL_SERVERS, ALL_STORES, CAMPAIGN, CREATOR, DAY, MATCHED, MONTH

_MEASURE = {REFUND: "refunded_minor", CHARGEBACK: "chargeback_minor"}


def purchase_day(purchase) -> date:
    return purchase.purchased_at.astimezone(timezone.utc).date()


def add_purchase(conn, purchase, items) -> None:
    """Count a newly recorded purchase (no reversals yet) and its ``items`` in every rollup,
    on ``conn`` (the session's connection)."""
    _bump_dimensions(conn, purchase, {"purchases": 1, "gross_minor": purchase.amount_minor})
    totals: dict[str, list[int]] = {}
    for item in items:  # one row per name (a purchase may list a name twice; each counts)
        total = totals.setdefault(item.name, [0, 0, 0])
        total[0], total[1], total[2] = total[0] + 1, total[1] + item.quantity, \
            total[2] + item.total_minor
    _bump_spans(conn, ItemDay, purchase, [({"name": name}, dict(zip(prepared.ITEM_MEASURES, total)))
                                          for name, total in sorted(totals.items())])
    batch.collect(conn, _add_buyers, purchase)
    if purchase.creator_id:
        prepared.INSERT_CREATOR_BUYER[conn.dialect.name].execute(conn, {
            "creator_id": purchase.creator_id, "buyer_key": purchase.username_key})
    if purchase.player_id:
        _add(conn, outcomes.purchase_linked(conn, purchase, purchase.amount_minor))


def add_reversal(purchase: Purchase, kind: str, amount_minor: int) -> None:
    conn = db.session.connection()
    _bump_dimensions(conn, purchase, {_MEASURE[kind]: amount_minor})
    if purchase.player_id:
        _add(conn, outcomes.net_changed(conn, purchase, -amount_minor))


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
    conn = db.session.connection()
    _bump_dimensions(conn, purchase, {
        "purchases": sign, "gross_minor": sign * purchase.amount_minor,
        "refunded_minor": sign * refunded, "chargeback_minor": sign * chargeback})
    if purchase.player_id:
        net = purchase.amount_minor - refunded - chargeback
        _add(conn, outcomes.purchase_linked(conn, purchase, net) if sign > 0
             else outcomes.purchase_unlinked(conn, purchase, net))


def _bump_dimensions(conn, purchase, deltas: dict) -> None:
    deltas = {name: deltas.get(name, 0) for name in prepared.REVENUE_MEASURES}
    _bump_spans(conn, RevenueDay, purchase, [
        ({"dimension": dimension, "ref_id": ref_id}, deltas)
        for dimension, ref_id in sorted(((MATCHED, 1 if purchase.player_id else 0),
                                         (CAMPAIGN, purchase.campaign_id or 0),
                                         (CREATOR, purchase.creator_id or 0)))])


def _bump_spans(conn, model, purchase, rows: list[tuple[dict, dict]]) -> None:
    """Add each (key, deltas) of ``rows`` to the purchase's day row and month row."""
    day = purchase_day(purchase)
    base = {"network_id": purchase.network_id, "server_id": purchase.server_id,
            "currency": purchase.currency, "store": purchase.store}
    batch.add(conn, model, [{**base, **key, "span": span, "day": when, **deltas}
                            for span, when in ((DAY, day), (MONTH, day.replace(day=1)))
                            for key, deltas in rows])


def _add_buyers(conn, purchases: list) -> None:
    """Make each purchase's day its buyer's last purchase day in each of the four scopes
    where it is later (or the first), moving the buyers between BuyerDay rows. Set-based, so
    a batch costs a few statements whatever its size: one locking SELECT of the buyers' rows,
    one UPDATE per moved row (sent together), one INSERT of the new ones; rows another
    transaction inserted first are locked and moved in another round."""
    latest: dict[tuple, date] = {}  # (network, currency, buyer, Server or 0, store or "")
    for purchase in purchases:
        day = purchase_day(purchase)
        for server_id in (purchase.server_id, ALL_SERVERS):
            for store in (purchase.store, ALL_STORES):
                scope = (purchase.network_id, purchase.currency, purchase.username_key,
                         server_id, store)
                latest[scope] = max(day, latest.get(scope, day))
    moves: Counter = Counter()
    pending = latest
    while pending:
        found = {tuple(row[1:6]): (row[0], row[6])
                 for row in prepared.LOCKED_BUYERS.rows(conn, sorted(pending))}
        later = sorted(scope for scope in pending.keys() & found.keys()
                       if found[scope][1] < pending[scope])
        prepared.MOVE_BUYER.execute_many(conn, [{"buyer_id": found[scope][0],
                                                 "day": pending[scope]} for scope in later])
        for scope in later:
            moves[(*scope[:2], *scope[3:], found[scope][1])] -= 1
        new = {scope: day for scope, day in pending.items() if scope not in found}
        inserted = {tuple(row) for row in prepared.INSERT_BUYERS[conn.dialect.name].rows(
            conn, [(*scope, day) for scope, day in sorted(new.items())])} if new else set()
        for scope in later + sorted(inserted):
            moves[(*scope[:2], *scope[3:], pending[scope])] += 1
        pending = {scope: day for scope, day in new.items() if scope not in inserted}
    batch.add(conn, BuyerDay, [
        {"network_id": network_id, "currency": currency, "server_id": server_id,
         "store": store, "day": day, "buyers": n}
        for (network_id, currency, server_id, store, day), n in sorted(moves.items()) if n])


def _add(conn, changes: list[tuple]) -> None:
    for model, row in changes:
        batch.add(conn, model, [row])


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
    _rebuild_creator_buyers(network_id)


def _rebuild_creator_buyers(network_id):
    theirs = select(Creator.id)
    if network_id is not None:
        theirs = theirs.where(Creator.network_id == network_id)
    db.session.execute(delete(CreatorBuyer).where(CreatorBuyer.creator_id.in_(theirs)))
    used = _scoped(select(Purchase.creator_id, Purchase.username_key).where(
        Purchase.creator_id.is_not(None)).distinct(), network_id)
    db.session.execute(insert(CreatorBuyer).from_select(("creator_id", "buyer_key"), used))


def _day(span: str):
    """The purchase's UTC day (or the 1st of its month) as SQL, on SQLite and PostgreSQL."""
    return func.date(Purchase.purchased_at) if span == DAY else month_sql(Purchase.purchased_at)


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
