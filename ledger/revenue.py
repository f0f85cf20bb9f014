"""Revenue figures: headline totals, breakdowns, the per-day series.

Figures come from the rollups (models/rollup.py), so their cost depends on the number of
days and distinct attributions in the period, not on the number of purchases. All amounts
are integers in minor units, per currency. The purchase list is ledger.purchase_list.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from extensions import db
from ledger.periods import Scope, place_filter, rollup_filter, within
from ledger.purchase_list import PurchaseFilter, purchase_query
from models import BuyerDay, Campaign, Creator, ItemDay, Purchase, RevenueDay, Server
from models.rollup import ALL_SERVERS, ALL_STORES, CAMPAIGN, CREATOR, DAY, MATCHED, MONTH


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


def divide_rounded(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (exact; no float)."""
    quotient, remainder = divmod(abs(numerator), abs(denominator))
    if 2 * remainder >= abs(denominator):
        quotient += 1
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


# --- figures from the rollups ---------------------------------------------------------

def _sums():
    return (func.sum(RevenueDay.purchases), func.sum(RevenueDay.gross_minor),
            func.sum(RevenueDay.refunded_minor), func.sum(RevenueDay.chargeback_minor))


def headline(scope: Scope) -> list[Totals]:
    """Totals per currency, by currency code."""
    query = rollup_filter(select(RevenueDay.currency, RevenueDay.ref_id, *_sums()),
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
            *within(BuyerDay.day, scope.start, None)).group_by(BuyerDay.currency)
    else:
        query = purchase_query(PurchaseFilter(scope)).with_only_columns(
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
    query = rollup_filter(query, RevenueDay, scope).group_by(*group).having(
        func.sum(RevenueDay.purchases) > 0)
    rows = [Row(k, name, currency, int(n), int(gross), int(refunded) + int(charged_back))
            for k, name, currency, n, gross, refunded, charged_back in db.session.execute(query)]
    return sort_rows(rows, sort)


def items(scope: Scope, sort: str = "-net") -> list[Row]:
    """Gross item totals per (item name, currency)."""
    query = rollup_filter(select(
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
        query = rollup_filter(query, RevenueDay, scope)
    else:
        query = place_filter(query, RevenueDay, scope).where(
            RevenueDay.span == DAY, *within(RevenueDay.day, scope.start, scope.end and (
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


