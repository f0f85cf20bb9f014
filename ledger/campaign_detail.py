"""One Campaign's page (or organic's, ``ORGANIC``): new and returning players per day, gross
and net, how long its players took from first join to first purchase, and cohorts.

The players a Campaign *brought in the period* are those whose first join (Player.first_seen)
falls in it; the median and the cohorts are about them. A purchase recorded before the
player's first join (an Unmatched purchase re-matched when they joined) counts as bought at
once. Cohort net is each purchase's net today (amount less its refunds and chargebacks) in the
month it was made.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, literal_column, select

from extensions import db
from ledger.funnel import CampaignFigures, comparison
from ledger.periods import Scope, months_between, start_of, within
from models import ActivityDay, Player, Purchase, Server
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
        *within(ActivityDay.day, scope.start, scope.end and scope.end + timedelta(days=1)))
    if scope.server_id is not None:
        query = query.where(ActivityDay.server_id == scope.server_id)
    return [(day, int(new), int(back)) for day, new, back in
            db.session.execute(query.group_by(ActivityDay.day).order_by(ActivityDay.day))]


def _brought(query, scope: Scope, campaign: int):
    """Players of ``campaign`` who first joined in the period (and on the Server)."""
    query = query.join(Server, Server.id == Player.server_id).where(
        Server.network_id == scope.network_id,
        Player.campaign_id.is_(None) if campaign == ORGANIC else Player.campaign_id == campaign,
        *within(Player.first_seen, scope.start and start_of(scope.start),
                scope.end and start_of(scope.end + timedelta(days=1))))
    return query if scope.server_id is None else query.where(
        Player.server_id == scope.server_id)


def median_to_purchase(scope: Scope, campaign: int) -> timedelta | None:
    query = _brought(select(Player.first_seen, func.min(Purchase.purchased_at)).join(
        Purchase, Purchase.player_id == Player.id), scope, campaign).group_by(
        Player.id, Player.first_seen)
    waits = sorted(max(bought - joined, timedelta(0))
                   for joined, bought in db.session.execute(query))
    if not waits:
        return None
    middle = len(waits) // 2
    return waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2


def _month(column):
    """The 1st of the column's month as 'YYYY-MM-01' text, on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":  # literal: GROUP BY must repeat it verbatim
        return func.strftime(literal_column("'%Y-%m-01'"), column)
    return func.to_char(column, literal_column("'YYYY-MM-01'"))


def cohorts(scope: Scope, campaign: int) -> list[Cohort]:
    acquired = _month(Player.first_seen)
    found = {date.fromisoformat(month): Cohort(date.fromisoformat(month), int(n))
             for month, n in db.session.execute(_brought(
                 select(acquired, func.count(Player.id)), scope, campaign).group_by(acquired))}
    bought = _month(Purchase.purchased_at)
    query = _brought(select(acquired, bought, Purchase.currency, func.sum(
        Purchase.amount_minor - Purchase.reversed_minor)).join(
        Purchase, Purchase.player_id == Player.id), scope, campaign).group_by(
        acquired, bought, Purchase.currency)
    for month, purchase_month, currency, net in db.session.execute(query):
        cohort = found[date.fromisoformat(month)]
        paid = date.fromisoformat(purchase_month)
        after = max(months_between(cohort.month, paid), 0)
        if after < COHORT_MONTHS:
            row = cohort.net.setdefault(currency, [0] * COHORT_MONTHS)
            row[after] += int(net)
    return sorted(found.values(), key=lambda c: c.month)
