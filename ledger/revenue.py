"""Revenue queries: headline figures, breakdowns and the purchase list.

Figures come from the rollups (models/rollup.py), so their cost depends on the
number of days and distinct attributions in the period, not on the number of
purchases. The purchase list is a keyset page on (purchased_at, id), newest first.
All amounts are integers in minor units, per currency.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models import BuyerDay, Campaign, Creator, ItemDay, Purchase, RevenueDay, Server
from models.rollup import ALL_SERVERS, ALL_STORES, CAMPAIGN, CREATOR, DAY, MATCHED, MONTH

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Scope:
    """Which purchases a page covers. ``end`` is inclusive; None means open-ended."""

    network_id: int
    server_id: int | None = None
    start: date | None = None
    end: date | None = None
    store: str | None = None


@dataclass(frozen=True)
class PurchaseFilter:
    scope: Scope
    matched: bool | None = None
    campaign_id: int | None = None  # 0: purchases without a Campaign
    creator_id: int | None = None  # 0: purchases without a creator code
    player: str | None = None  # prefix of the (folded) username


@dataclass
class Totals:
    currency: str
    purchases: int = 0
    gross: int = 0
    refunded: int = 0
    charged_back: int = 0
    unmatched_net: int = 0
    buyers: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.refunded - self.charged_back

    @property
    def per_buyer(self) -> int | None:
        return divide_rounded(self.net, self.buyers) if self.buyers else None

    @property
    def unmatched_permille(self) -> int | None:
        """Share of net revenue that is Unmatched, in tenths of a percent."""
        return divide_rounded(1000 * self.unmatched_net, self.net) if self.net else None


@dataclass
class Row:
    """One line of a breakdown table."""

    key: object
    label: str | None
    currency: str
    purchases: int
    gross: int
    reversed: int = 0
    quantity: int | None = None

    @property
    def net(self) -> int:
        return self.gross - self.reversed


@dataclass
class Page:
    purchases: list
    older: str | None = None  # cursor for the next (older) page
    newer: str | None = None  # cursor for the previous (newer) page


def divide_rounded(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (exact; no float)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


# --- figures from the rollups ---------------------------------------------------------

def _rollup_filter(query, model, scope: Scope):
    return _place_filter(query, model, scope).where(_period(model, scope))


def _place_filter(query, model, scope: Scope):
    """Network, Server and store; not the period."""
    query = query.where(model.network_id == scope.network_id)
    if scope.server_id is not None:
        query = query.where(model.server_id == scope.server_id)
    if scope.store:
        query = query.where(model.store == scope.store)
    return query


def _period(model, scope: Scope):
    """Rollup rows covering the period: whole months from month rows, its edges from day rows."""
    start, end = scope.start, scope.end
    first_month = start if start is None or start.day == 1 else _next_month(start)
    after_months = None if end is None else (
        _next_month(end) if _next_month(end) - end == timedelta(days=1) else end.replace(day=1))
    if first_month and after_months and first_month >= after_months:
        return and_(model.span == DAY, *_within(model.day, start, end + timedelta(days=1)))
    parts = [and_(model.span == MONTH, *_within(model.day, first_month, after_months))]
    if start is not None and start < first_month:
        parts.append(and_(model.span == DAY, *_within(model.day, start, first_month)))
    if end is not None:
        parts.append(and_(model.span == DAY, *_within(model.day, after_months,
                                                      end + timedelta(days=1))))
    return or_(*parts)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _within(column, low: date | None, high: date | None) -> list:
    """low <= column < high, either bound optional."""
    return ([column >= low] if low else []) + ([column < high] if high else [])


def _sums():
    return (func.sum(RevenueDay.purchases), func.sum(RevenueDay.gross_minor),
            func.sum(RevenueDay.refunded_minor), func.sum(RevenueDay.chargeback_minor))


def headline(scope: Scope) -> list[Totals]:
    """Totals per currency, by currency code."""
    query = _rollup_filter(select(RevenueDay.currency, RevenueDay.ref_id, *_sums()),
                           RevenueDay, scope)
    query = query.where(RevenueDay.dimension == MATCHED).group_by(RevenueDay.currency,
                                                                 RevenueDay.ref_id)
    totals: dict[str, Totals] = {}
    for currency, matched, purchases, gross, refunded, charged_back in db.session.execute(query):
        t = totals.setdefault(currency, Totals(currency))
        t.purchases += int(purchases)
        t.gross += int(gross)
        t.refunded += int(refunded)
        t.charged_back += int(charged_back)
        if not matched:
            t.unmatched_net += int(gross) - int(refunded) - int(charged_back)
    for currency, count in unique_buyers(scope).items():
        if currency in totals:
            totals[currency].buyers = count
    return sorted((t for t in totals.values() if t.purchases), key=lambda t: t.currency)


def unique_buyers(scope: Scope) -> dict[str, int]:
    """Distinct buyers (by folded username) per currency.

    Open-ended periods use BuyerDay (buyers whose last purchase day is in the period);
    a range that ends is counted from its purchases.
    """
    if scope.end is None:
        query = select(BuyerDay.currency, func.sum(BuyerDay.buyers)).where(
            BuyerDay.network_id == scope.network_id,
            BuyerDay.server_id == (scope.server_id or ALL_SERVERS),
            BuyerDay.store == (scope.store or ALL_STORES),
            *_within(BuyerDay.day, scope.start, None)).group_by(BuyerDay.currency)
    else:
        query = _purchase_query(PurchaseFilter(scope)).with_only_columns(
            Purchase.currency, func.count(func.distinct(Purchase.username_key))
        ).group_by(Purchase.currency)
    return {currency: int(count) for currency, count in db.session.execute(query)}


_LABELS = {
    CAMPAIGN: (Campaign, Campaign.name),
    CREATOR: (Creator, Creator.name),
}


def breakdown(scope: Scope, by: str, sort: str = "-net") -> list[Row]:
    """Rows per (campaign|creator|store|server, currency)."""
    if by in _LABELS:
        model, label = _LABELS[by]
        key = RevenueDay.ref_id
        query = select(key, label, RevenueDay.currency, *_sums()).outerjoin(
            model, model.id == RevenueDay.ref_id).where(RevenueDay.dimension == by)
        group = (key, label, RevenueDay.currency)
    elif by == "server":
        key = RevenueDay.server_id
        query = select(key, Server.name, RevenueDay.currency, *_sums()).join(
            Server, Server.id == RevenueDay.server_id).where(RevenueDay.dimension == MATCHED)
        group = (key, Server.name, RevenueDay.currency)
    elif by == "store":
        key = RevenueDay.store
        query = select(key, key, RevenueDay.currency, *_sums()).where(
            RevenueDay.dimension == MATCHED)
        group = (key, RevenueDay.currency)
    else:
        raise ValueError(f"unknown breakdown {by!r}")
    query = _rollup_filter(query, RevenueDay, scope).group_by(*group).having(
        func.sum(RevenueDay.purchases) > 0)
    rows = [Row(k, name, currency, int(n), int(gross), int(refunded) + int(charged_back))
            for k, name, currency, n, gross, refunded, charged_back in db.session.execute(query)]
    return sort_rows(rows, sort)


def items(scope: Scope, sort: str = "-net") -> list[Row]:
    """Gross item totals per (item name, currency)."""
    query = _rollup_filter(select(
        ItemDay.name, ItemDay.currency, func.sum(ItemDay.purchases), func.sum(ItemDay.quantity),
        func.sum(ItemDay.total_minor)), ItemDay, scope).group_by(ItemDay.name, ItemDay.currency)
    rows = [Row(name, name, currency, int(n), int(total), quantity=int(quantity))
            for name, currency, n, quantity, total in db.session.execute(query)]
    return sort_rows(rows, sort)


SORTS = ("label", "purchases", "gross", "net")


def sort_rows(rows: list[Row], sort: str) -> list[Row]:
    """Grouped by currency; within one, by ``sort``: a column of SORTS, "-" for descending."""
    column = sort.lstrip("-")
    if column not in SORTS:
        column, sort = "net", "-net"

    def value(row):
        return (row.label or "").casefold() if column == "label" else getattr(row, column)

    rows = sorted(rows, key=lambda r: (r.label or "").casefold())
    rows = sorted(rows, key=value, reverse=sort.startswith("-"))
    return sorted(rows, key=lambda r: r.currency)


def net_by_day(scope: Scope, monthly: bool = False) -> dict[str, list[tuple[date, int]]]:
    """Net revenue per day (or per month: keyed by its 1st) and currency; empty days absent."""
    net = func.sum(RevenueDay.gross_minor - RevenueDay.refunded_minor
                   - RevenueDay.chargeback_minor)
    query = select(RevenueDay.day, RevenueDay.currency, net).where(
        RevenueDay.dimension == MATCHED).group_by(RevenueDay.day, RevenueDay.currency)
    if monthly:
        query = _rollup_filter(query, RevenueDay, scope)
    else:
        query = _place_filter(query, RevenueDay, scope).where(
            RevenueDay.span == DAY, *_within(RevenueDay.day, scope.start, scope.end and (
                scope.end + timedelta(days=1))))
    series: dict[str, dict[date, int]] = {}
    for day, currency, amount in db.session.execute(query):
        bucket = day.replace(day=1) if monthly else day
        points = series.setdefault(currency, {})
        points[bucket] = points.get(bucket, 0) + int(amount)
    return {currency: sorted(points.items()) for currency, points in series.items()}


def _all_time_months(network_id: int, server_id: int | None = None):
    query = select(RevenueDay).where(RevenueDay.network_id == network_id,
                                     RevenueDay.span == MONTH, RevenueDay.dimension == MATCHED)
    return query if server_id is None else query.where(RevenueDay.server_id == server_id)


def stores(network_id: int, server_id: int | None = None) -> list[str]:
    """Stores that have sent purchases (for the store filter)."""
    query = _all_time_months(network_id, server_id).with_only_columns(RevenueDay.store)
    return sorted(db.session.scalars(query.distinct()))


def first_month(network_id: int, server_id: int | None = None) -> date | None:
    query = _all_time_months(network_id, server_id).with_only_columns(func.min(RevenueDay.day))
    return db.session.scalar(query)


def currencies(network_id: int) -> list[str]:
    """Currencies the Network has been paid in."""
    query = _all_time_months(network_id).with_only_columns(RevenueDay.currency)
    return sorted(db.session.scalars(query.distinct()))


# --- the purchase list ----------------------------------------------------------------

def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _purchase_query(f: PurchaseFilter):
    scope = f.scope
    query = select(Purchase).where(Purchase.network_id == scope.network_id)
    if scope.server_id is not None:
        query = query.where(Purchase.server_id == scope.server_id)
    if scope.store:
        query = query.where(Purchase.store == scope.store)
    if scope.start is not None:
        query = query.where(Purchase.purchased_at >= _start_of(scope.start))
    if scope.end is not None:
        query = query.where(Purchase.purchased_at < _start_of(scope.end + timedelta(days=1)))
    if f.matched is not None:
        query = query.where(Purchase.player_id.isnot(None) if f.matched
                            else Purchase.player_id.is_(None))
    for column, value in ((Purchase.campaign_id, f.campaign_id),
                          (Purchase.creator_id, f.creator_id)):
        if value is not None:
            query = query.where(column.is_(None) if value == 0 else column == value)
    if f.player:
        query = query.where(Purchase.username_key.like(_like_prefix(f.player), escape="\\"))
    return query


def _like_prefix(text: str) -> str:
    escaped = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _with_relations(query):
    return query.options(selectinload(Purchase.items), joinedload(Purchase.player),
                         joinedload(Purchase.campaign), joinedload(Purchase.creator),
                         joinedload(Purchase.server))


def encode_cursor(purchase: Purchase) -> str:
    micros = (purchase.purchased_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{purchase.id}"


_CURSOR = re.compile(r"(-?[0-9]{1,20})\.([0-9]{1,19})")
MAX_ID = 2 ** 63 - 1  # BIGINT; SQLite refuses larger Python ints


def decode_cursor(text: str) -> tuple[datetime, int]:
    """Raises ValueError for anything that is not a cursor we made (or could have made)."""
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise ValueError("not a cursor")
    purchase_id = int(match[2])
    if purchase_id > MAX_ID:
        raise ValueError("cursor id out of range")
    try:
        moment = EPOCH + timedelta(microseconds=int(match[1]))
    except OverflowError:
        raise ValueError("cursor time out of range") from None
    return moment, purchase_id


def purchase_page(f: PurchaseFilter, *, after: str | None = None, before: str | None = None,
                  size: int = 50) -> Page:
    """One page, newest first. ``after``: the page older than that cursor; ``before``: newer."""
    key = tuple_(Purchase.purchased_at, Purchase.id)
    query = _with_relations(_purchase_query(f)).limit(size + 1)
    if before:
        query = query.where(key > tuple_(*decode_cursor(before))).order_by(
            Purchase.purchased_at, Purchase.id)
        rows = db.session.scalars(query).all()
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        return _page(rows, older=bool(rows), newer=more_newer)
    if after:
        query = query.where(key < tuple_(*decode_cursor(after)))
    query = query.order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
    rows = db.session.scalars(query).all()
    return _page(rows[:size], older=len(rows) > size, newer=bool(after) and bool(rows))


def _page(rows, older: bool, newer: bool) -> Page:
    return Page(rows, older=encode_cursor(rows[-1]) if older else None,
                newer=encode_cursor(rows[0]) if newer else None)


def iter_purchases(f: PurchaseFilter, chunk: int = 500):
    """Every purchase of the filter, newest first, loaded ``chunk`` at a time (for CSV)."""
    query = _with_relations(_purchase_query(f)).order_by(
        Purchase.purchased_at.desc(), Purchase.id.desc()).execution_options(yield_per=chunk)
    yield from db.session.scalars(query)


