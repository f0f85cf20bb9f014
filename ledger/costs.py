"""What each Campaign cost: spend an owner records as an amount over a day or a range of days.

Amounts are integers in minor units, parsed by money.parse_amount. Spend over a range is
spread evenly over its days, exactly: day i (0-based) of an n-day range of amount A gets
A·(i+1)//n − A·i//n, so any run of days i..j gets A·(j+1)//n − A·i//n and the days of the
range sum to A. A cost is never deleted outright: ``deleted_at`` hides it and every change
leaves a CostChange (who, when, the values). Services flush; the caller commits.
"""
from datetime import date

from sqlalchemy import select

from events import PayloadError
from extensions import db
from ledger.campaigns import AttributionError
from models import Campaign, Cost, CostChange
from models.base import utcnow
from models.cost import CREATED, DELETED, EDITED
from money import currency_code, parse_amount

MAX_DAYS = 3660  # a range of about ten years at most


def add_cost(campaign: Campaign, amount: str, currency: str, first: date,
             last: date | None = None, *, actor: str, user_id: int | None = None) -> Cost:
    cost = Cost(network_id=campaign.network_id, campaign_id=campaign.id, note="")
    return _save(cost, amount, currency, first, last, actor, user_id, CREATED)


def edit_cost(cost: Cost, campaign: Campaign, amount: str, currency: str, first: date,
              last: date | None = None, *, actor: str, user_id: int | None = None) -> Cost:
    if campaign.network_id != cost.network_id:
        raise AttributionError("campaign", "not a Campaign of this Network")
    cost.campaign_id = campaign.id
    return _save(cost, amount, currency, first, last, actor, user_id, EDITED)


def delete_cost(cost: Cost, *, actor: str, user_id: int | None = None) -> None:
    cost.deleted_at = utcnow()
    _record(cost, DELETED, actor, user_id)
    db.session.flush()


def _save(cost, amount, currency, first, last, actor, user_id, action) -> Cost:
    try:
        code = currency_code(currency or "")
    except PayloadError as exc:
        raise AttributionError("currency", str(exc)) from None
    try:
        minor = parse_amount(amount if amount is not None else "", code, "amount", text=True)
    except PayloadError as exc:
        raise AttributionError("amount", str(exc)) from None
    last = last or first
    if first is None or last < first:
        raise AttributionError("last_day", "the last day must not be before the first")
    if (last - first).days >= MAX_DAYS:
        raise AttributionError("last_day", f"a range of at most {MAX_DAYS} days")
    cost.amount_minor, cost.currency, cost.first_day, cost.last_day = minor, code, first, last
    db.session.add(cost)
    db.session.flush()
    _record(cost, action, actor, user_id)
    db.session.flush()
    return cost


def _record(cost: Cost, action: str, actor: str, user_id: int | None) -> None:
    cost.changes.append(CostChange(action=action, actor=actor, user_id=user_id, at=utcnow(),
                                   amount_minor=cost.amount_minor, currency=cost.currency,
                                   first_day=cost.first_day, last_day=cost.last_day))


def costs_of(network_id: int) -> list[Cost]:
    """The Network's costs that are not deleted, latest first."""
    return db.session.scalars(select(Cost).where(
        Cost.network_id == network_id, Cost.deleted_at.is_(None))
        .order_by(Cost.first_day.desc(), Cost.id.desc())).all()


def changes_of(network_id: int, limit: int = 50) -> list[CostChange]:
    """The latest changes to the Network's costs (deleted ones too)."""
    return db.session.scalars(select(CostChange).join(Cost).where(Cost.network_id == network_id)
                              .order_by(CostChange.id.desc()).limit(limit)).all()


def share(amount: int, first: date, last: date, start: date | None, end: date | None) -> int:
    """The part of ``amount`` (spread over first..last) that falls on start..end (inclusive;
    None: unbounded)."""
    days = (last - first).days + 1
    low = max(first, start) if start else first
    high = min(last, end) if end else last
    if high < low:
        return 0
    i, j = (low - first).days, (high - first).days
    return amount * (j + 1) // days - amount * i // days


def spend(network_id: int, start: date | None, end: date | None,
          today: date) -> dict[int, dict[str, int]]:
    """{campaign_id: {currency: spend}} on the days start..end; days after ``today`` are not
    spent yet, so an open end stops at today."""
    end = min(end, today) if end else today
    query = select(Cost).where(Cost.network_id == network_id, Cost.deleted_at.is_(None),
                               Cost.first_day <= end)
    if start is not None:
        query = query.where(Cost.last_day >= start)
    totals: dict[int, dict[str, int]] = {}
    for cost in db.session.scalars(query):
        part = share(cost.amount_minor, cost.first_day, cost.last_day, start, end)
        per = totals.setdefault(cost.campaign_id, {})
        per[cost.currency] = per.get(cost.currency, 0) + part
    return totals
