"""One Campaign's page (or organic's, ``ORGANIC``): new and returning players per day, gross
and net, how long its players took from first join to first purchase, and cohorts.

The players a Campaign *brought in the period* are those whose first join (Player.first_seen)
falls in it; the median is about them. A purchase recorded before the player's first join (an
Unmatched purchase re-matched when they joined) counts as bought at once. The cohort table
takes whole months: every month the period touches. Cohort net is each purchase's net today
(amount less its refunds and chargebacks) in the month it was made (ledger.outcomes keeps it).
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from extensions import db
from ledger.funnel import CampaignFigures, comparison
from ledger.periods import (Scope, days_of, month_sql, months_between, next_month, on_server,
                            start_of, within)
from models import ActivityDay, CohortMonth, Player, Server
from models.activity import ORGANIC

COHORT_MONTHS = 12  # months after acquisition shown


@dataclass
class Cohort:
    month: date  # the 1st of the month the players first joined
    players: int
    net: dict[str, list[int]] = field(default_factory=dict)  # currency -> net in M, M+1, ...


@dataclass
class Detail:
    figures: CampaignFigures
    gross: dict[str, int]
    days: list[tuple[date, int, int]]  # (day, new, returning) with activity
    median_to_purchase: timedelta | None
    cohorts: list[Cohort]


def detail(scope: Scope, campaign: int, today: date) -> Detail:
    """``campaign``: a Campaign id of the Network, or ORGANIC."""
    figures = next(row for row in comparison(scope, today)
                   if (row.campaign_id or ORGANIC) == campaign)
    return Detail(figures, figures.gross, daily(scope, campaign), median_to_purchase(scope, campaign),
                  cohorts(scope, campaign))


def daily(scope: Scope, campaign: int) -> list[tuple[date, int, int]]:
    query = select(ActivityDay.day, func.sum(ActivityDay.new_players),
                   func.sum(ActivityDay.returning_players)).where(
        ActivityDay.network_id == scope.network_id, ActivityDay.campaign_id == campaign,
        *days_of(ActivityDay.day, scope))
    query = on_server(query, ActivityDay.server_id, scope)
    return [(day, int(new), int(back)) for day, new, back in
            db.session.execute(query.group_by(ActivityDay.day).order_by(ActivityDay.day))]


def _brought(query, scope: Scope, campaign: int):
    """Players of ``campaign`` who first joined in the period (and on the Server)."""
    query = query.where(
        Player.campaign_id.is_(None) if campaign == ORGANIC else Player.campaign_id == campaign,
        *within(Player.first_seen, scope.start and start_of(scope.start),
                scope.end and start_of(scope.end + timedelta(days=1))))
    if scope.server_id is None:
        query = query.where(Player.server_id.in_(
            select(Server.id).where(Server.network_id == scope.network_id)))
    return on_server(query, Player.server_id, scope)


def median_to_purchase(scope: Scope, campaign: int) -> timedelta | None:
    """The middle wait of the buyers it brought in the period (whole seconds; a purchase made
    before the first join waits 0): counted, then read at the middle, both walking the index on
    (Campaign, wait, first seen, Server) in wait order."""
    bought = Player.seconds_to_purchase.is_not(None)
    count = db.session.scalar(_brought(select(func.count()).select_from(Player), scope,
                                       campaign).where(bought))
    if not count:
        return None
    middle = db.session.scalars(_brought(select(Player.seconds_to_purchase), scope, campaign)
                                .where(bought).order_by(Player.seconds_to_purchase)
                                .offset((count - 1) // 2).limit(2 - count % 2)).all()
    return timedelta(seconds=max(sum(middle), 0) / len(middle))


def cohorts(scope: Scope, campaign: int) -> list[Cohort]:
    """The months the period touches (whole months), each with its players and their net in
    each month after: the new players from ActivityDay, the net from CohortMonth."""
    low = scope.start and scope.start.replace(day=1)
    high = scope.end and next_month(scope.end)
    month = month_sql(ActivityDay.day)
    sizes = on_server(select(month, func.sum(ActivityDay.new_players)).where(
        ActivityDay.network_id == scope.network_id, ActivityDay.campaign_id == campaign,
        *within(ActivityDay.day, low, high)), ActivityDay.server_id, scope).group_by(month)
    found = {_date(first): Cohort(_date(first), int(n))
             for first, n in db.session.execute(sizes) if n}
    nets = on_server(select(CohortMonth.month, CohortMonth.paid_month, CohortMonth.currency,
                            func.sum(CohortMonth.net_minor)).where(
        CohortMonth.network_id == scope.network_id, CohortMonth.campaign_id == campaign,
        *within(CohortMonth.month, low, high)), CohortMonth.server_id, scope).group_by(
        CohortMonth.month, CohortMonth.paid_month, CohortMonth.currency)
    for first, paid, currency, net in db.session.execute(nets):
        cohort = found.get(first)
        after = max(months_between(first, paid), 0)
        if cohort is not None and after < COHORT_MONTHS:
            cohort.net.setdefault(currency, [0] * COHORT_MONTHS)[after] += int(net)
    return sorted(found.values(), key=lambda c: c.month)


def _date(value) -> date:
    """A date from SQL's date(): a date on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(value)
