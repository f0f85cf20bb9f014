"""What each Creator is owed: commission rates over time and monthly statements.

A month's commission, per currency, is the Creator's net revenue on each day of the month
(purchases made with their code, less refunds and chargebacks, booked on the purchase's day)
times the rate in force that day, summed over the month and rounded once, half away from
zero. A statement marked paid keeps what was paid (its lines). When a paid month's figures
change afterwards (a refund or chargeback that came later), the difference is an adjustment
on the first unpaid statement after it; paying that statement settles it.
"""
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from extensions import db
from ledger.periods import next_month, within
from ledger.revenue import divide_rounded
from models import (CommissionRate, Creator, CreatorBuyer, RevenueDay, StatementLine,
                    StatementPayment)
from models.rollup import CREATOR, DAY, MONTH

MAX_BASIS_POINTS = 10_000  # 100 %


class StatementError(ValueError):
    pass


@dataclass
class Line:
    """One currency of a statement."""

    currency: str
    net: int = 0  # the month's net revenue with the code, as it is now
    earned: int = 0  # the month's own commission (for a paid month: what was paid for it)
    adjustments: list[tuple[date, int]] = field(default_factory=list)  # (earlier month, amount)

    @property
    def total(self) -> int:
        return self.earned + sum(amount for _, amount in self.adjustments)


@dataclass
class Statement:
    month: date  # the 1st
    lines: list[Line]
    payment: StatementPayment | None = None


# --- rates ------------------------------------------------------------------------------

def set_rate(creator: Creator, percent: Decimal, starts_on: date, user_id: int | None) -> None:
    """The rate from ``starts_on`` on (replacing one that starts that same day)."""
    basis_points = percent * 100
    whole = basis_points == basis_points.to_integral_value()
    if not whole or not 0 <= basis_points <= MAX_BASIS_POINTS:
        raise StatementError("rate: a percentage from 0 to 100 with at most two decimals")
    row = db.session.scalar(select(CommissionRate).filter_by(creator_id=creator.id,
                                                             starts_on=starts_on))
    if row is None:
        row = CommissionRate(creator_id=creator.id, starts_on=starts_on)
        db.session.add(row)
    row.basis_points, row.set_by = int(basis_points), user_id
    db.session.flush()


def rates(creator_id: int) -> list[CommissionRate]:
    return list(db.session.scalars(select(CommissionRate).filter_by(creator_id=creator_id)
                                   .order_by(CommissionRate.starts_on)))


def percent(basis_points: int) -> str:
    """1250 -> "12.5 %", 1000 -> "10 %"."""
    whole, cents = divmod(basis_points, 100)
    return f"{whole}.{cents:02d}".rstrip("0").rstrip(".") + " %" if cents else f"{whole} %"


# --- figures ----------------------------------------------------------------------------

def month_figures(creator: Creator) -> tuple[dict, dict]:
    """({(month, currency): net}, {(month, currency): commission}) from the rollups: month rows
    where one rate held all month, day rows for the months in which a rate starts after the
    1st (so a statement costs about a row per month, however many purchases)."""
    starts, points = [], []
    for rate in rates(creator.id):
        starts.append(rate.starts_on)
        points.append(rate.basis_points)
    net, weighted = defaultdict(int), defaultdict(int)
    for day, currency, amount in _net_rows(creator, {s.replace(day=1) for s in starts
                                                      if s.day != 1}):
        found = bisect_right(starts, day)
        key = (day.replace(day=1), currency)
        net[key] += int(amount)
        weighted[key] += int(amount) * (points[found - 1] if found else 0)
    return dict(net), {key: divide_rounded(total, MAX_BASIS_POINTS)
                       for key, total in weighted.items()}


def _net_rows(creator: Creator, split: set[date]) -> list:
    """(day, currency, net): month rows, but day rows in the ``split`` months."""
    if not split:
        return db.session.execute(_net(creator, MONTH)).all()
    return db.session.execute(_net(creator, MONTH).where(RevenueDay.day.not_in(split))).all() + \
        db.session.execute(_net(creator, DAY).where(or_(*(
            and_(*within(RevenueDay.day, month, next_month(month))) for month in split)))).all()


def _net(creator: Creator, span: str):
    """The Creator's net per day (or month: ``span``) and currency."""
    return select(RevenueDay.day, RevenueDay.currency, func.sum(
        RevenueDay.gross_minor - RevenueDay.refunded_minor - RevenueDay.chargeback_minor)
    ).where(RevenueDay.network_id == creator.network_id, RevenueDay.dimension == CREATOR,
            RevenueDay.ref_id == creator.id, RevenueDay.span == span).group_by(
        RevenueDay.day, RevenueDay.currency)


# --- statements -------------------------------------------------------------------------

def statements(creator: Creator, today: date) -> list[Statement]:
    """Every month from the first with revenue to this one, newest first."""
    net, owed = month_figures(creator)
    payments = {p.month: p for p in db.session.scalars(
        select(StatementPayment).filter_by(creator_id=creator.id))}
    months = {month for month, _ in net} | payments.keys() | {today.replace(day=1)}
    adjustments = _outstanding(owed, payments)
    months |= adjustments.keys()
    return [_statement(month, net, owed, payments.get(month), adjustments.get(month, {}))
            for month in sorted(months, reverse=True)]


def _outstanding(owed: dict, payments: dict) -> dict[date, dict[str, list]]:
    """Each paid month's commission now less what was paid for it: {unpaid month it goes on:
    {currency: [(paid month, amount)]}}."""
    paid = defaultdict(int)
    for payment in payments.values():
        for line in payment.lines:
            paid[(line.for_month, line.currency)] += line.amount_minor
    found: dict[date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for month, currency in sorted(set(owed) | set(paid)):
        difference = owed.get((month, currency), 0) - paid[(month, currency)]
        if month in payments and difference:
            target = next_month(month)
            while target in payments:
                target = next_month(target)
            found[target][currency].append((month, difference))
    return found


def _statement(month, net, owed, payment, adjustments) -> Statement:
    lines: dict[str, Line] = {}

    def line(currency):
        return lines.setdefault(currency, Line(currency, net.get((month, currency), 0)))

    if payment is not None:
        for paid in payment.lines:
            if paid.for_month == month:
                line(paid.currency).earned += paid.amount_minor
            else:
                line(paid.currency).adjustments.append((paid.for_month, paid.amount_minor))
    else:
        for (when, currency), amount in owed.items():
            if when == month:
                line(currency).earned = amount
        for currency, items in adjustments.items():
            line(currency).adjustments.extend(items)
    for (when, currency) in net:
        if when == month:
            line(currency)
    return Statement(month, [lines[c] for c in sorted(lines)], payment)


def mark_paid(creator: Creator, month: date, user_id: int | None, note: str | None,
              today: date) -> StatementPayment:
    """Record that ``month``'s statement was paid as it stands now."""
    if month >= today.replace(day=1):
        raise StatementError("only a month that has ended can be marked paid")
    statement = next((s for s in statements(creator, today) if s.month == month), None)
    if statement is None or statement.payment is not None:
        raise StatementError("that month has no statement to pay" if statement is None
                             else "that month is already marked paid")
    payment = StatementPayment(creator_id=creator.id, month=month, paid_by=user_id,
                               note=(note or "").strip() or None)
    for line in statement.lines:
        payment.lines.append(StatementLine(currency=line.currency, for_month=month,
                                           amount_minor=line.earned))
        payment.lines.extend(StatementLine(currency=line.currency, for_month=earlier,
                                           amount_minor=amount)
                             for earlier, amount in line.adjustments)
    db.session.add(payment)
    db.session.flush()
    return payment


def monthly_activity(creator: Creator) -> list[tuple[date, str, int, int, int]]:
    """(month, currency, purchases with the code, gross, net), newest month first."""
    query = select(RevenueDay.day, RevenueDay.currency, func.sum(RevenueDay.purchases),
                   func.sum(RevenueDay.gross_minor), func.sum(
        RevenueDay.gross_minor - RevenueDay.refunded_minor - RevenueDay.chargeback_minor)
    ).where(RevenueDay.network_id == creator.network_id, RevenueDay.dimension == CREATOR,
            RevenueDay.ref_id == creator.id, RevenueDay.span == MONTH).group_by(
        RevenueDay.day, RevenueDay.currency).order_by(RevenueDay.day.desc(), RevenueDay.currency)
    return [(month, currency, int(n), int(gross), int(net))
            for month, currency, n, gross, net in db.session.execute(query)]


def creator_buyers(creator: Creator) -> int:
    """Distinct buyers (by folded username) who used the code."""
    return db.session.scalar(select(func.count()).select_from(CreatorBuyer).where(
        CreatorBuyer.creator_id == creator.id))
