"""Which rows a page covers: a Network or Server, an optional store, a period of UTC days.

Rollup rows are kept per day and per month (models/rollup.py); ``rollup_filter`` picks
whole months from month rows and the days at the period's edges from day rows.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import BigInteger, Integer, and_, cast, func, or_

from extensions import db
from models.rollup import DAY, MONTH


@dataclass(frozen=True)
class Scope:
    """Which purchases a page covers. ``end`` is inclusive; None means open-ended."""

    network_id: int
    server_id: int | None = None
    start: date | None = None
    end: date | None = None
    store: str | None = None


def rollup_filter(query, model, scope: Scope):
    return place_filter(query, model, scope).where(_period(model, scope))


def place_filter(query, model, scope: Scope):
    """Network, Server and store; not the period."""
    query = on_server(query.where(model.network_id == scope.network_id), model.server_id, scope)
    if scope.store:
        query = query.where(model.store == scope.store)
    return query


def _period(model, scope: Scope):
    """Rollup rows covering the period: whole months from month rows, its edges from day rows."""
    start, end = scope.start, scope.end
    first_month = start if start is None or start.day == 1 else next_month(start)
    after_months = None if end is None else (
        next_month(end) if next_month(end) - end == timedelta(days=1) else end.replace(day=1))
    if first_month and after_months and first_month >= after_months:
        return and_(model.span == DAY, *within(model.day, start, end + timedelta(days=1)))
    parts = [and_(model.span == MONTH, *within(model.day, first_month, after_months))]
    if start is not None and start < first_month:
        parts.append(and_(model.span == DAY, *within(model.day, start, first_month)))
    if end is not None:
        parts.append(and_(model.span == DAY, *within(model.day, after_months,
                                                      end + timedelta(days=1))))
    return or_(*parts)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier``'s month to ``later``'s (March to May: 2)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def within(column, low: date | None, high: date | None) -> list:
    """low <= column < high, either bound optional."""
    return ([column >= low] if low else []) + ([column < high] if high else [])


def days_of(column, scope: Scope) -> list:
    """The scope's period on a column of UTC days (``end`` inclusive)."""
    return within(column, scope.start, scope.end and scope.end + timedelta(days=1))


def on_server(query, column, scope: Scope):
    """The query narrowed to the scope's Server, if it has one."""
    return query if scope.server_id is None else query.where(column == scope.server_id)


def month_sql(column):
    """The 1st of the month of a UTC timestamp (or date) column, as an SQL date (SQLite,
    PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        return func.date(column, "start of month")
    return func.date(func.date_trunc("month", column))


def epoch_seconds(column):
    """Whole seconds since 1970 of a UTC timestamp column, as SQL (SQLite, PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(func.date_part("epoch", column)), BigInteger)


def start_of(day: date) -> datetime:
    """The first moment of a UTC day."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def period_days(period: str, start: date | None, end: date | None,
                today: date) -> tuple[date | None, date | None]:
    """(start, end) of a period form's choice: "7", "30", "90" (the last N days up to today),
    "all", or "custom" (``start`` and ``end`` as given)."""
    if period == "custom":
        return start, end
    if period.isdigit():
        return today - timedelta(days=int(period) - 1), None
    return None, None
