"""A Network's home: the figures of a recent period at a glance, the latest purchases, each
store's health and the setup checklist.

Every revenue figure comes from ledger.revenue (the same functions the revenue pages call),
so the home and the revenue overview always agree for the same period.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import exists, func, select

from extensions import db
from ledger import exchange_rates, revenue, revenue_groups
from ledger.periods import Scope, period_days, start_of
from ledger.purchase_list import PurchaseFilter, purchase_page
from ledger.revenue_groups import Group
from models import Campaign, Integration, Network, Player, Purchase, Server
from models.rollup import CAMPAIGN, CREATOR

PERIODS = {"1": "Today", "7": "7 days", "30": "30 days"}  # the revenue pages' period values
TREND_DAYS = 7  # a trend line covers at least a week, even for "today"


@dataclass
class Glance:
    scope: Scope
    totals: list[revenue.Totals]
    converted: exchange_rates.Converted | None  # net in the display currency
    unmatched_converted: exchange_rates.Converted | None
    new_players: int
    new_buyers: int  # of the new players, those who bought in the period
    top_campaign: Group | None  # the Campaign with the most net in the period
    top_creator: Group | None
    trend_currency: str | None  # the currency the trend is drawn in
    trend: list[tuple[date, int]] = field(default_factory=list)

    @property
    def purchases(self) -> int:
        return sum(t.purchases for t in self.totals)

    @property
    def conversion_permille(self) -> int | None:
        """Share of the period's new players who bought, in tenths of a percent."""
        if not self.new_players:
            return None
        return revenue.divide_rounded(1000 * self.new_buyers, self.new_players)

    @property
    def unmatched_permille(self) -> int | None:
        """The Unmatched share of the converted net (None without a display currency)."""
        if self.converted is None or not self.converted.amount_minor:
            return None
        return revenue.divide_rounded(1000 * self.unmatched_converted.amount_minor,
                                      self.converted.amount_minor)


def period_scope(network_id: int, period: str, today: date) -> Scope:
    """The revenue pages' scope for a period of PERIODS ("7": the last 7 days, today included)."""
    return Scope(network_id, start=period_days(period if period in PERIODS else "7", None, None,
                                               today)[0])


def glance(network: Network, period: str, today: date) -> Glance:
    scope = period_scope(network.id, period, today)
    totals = revenue.headline(scope)
    converted = exchange_rates.converted_total(network, {t.currency: t.net for t in totals})
    unmatched = exchange_rates.converted_total(network,
                                               {t.currency: t.unmatched_net for t in totals})
    new_players, new_buyers = _new_players(network.id, scope.start)
    trend_scope = Scope(network.id, start=min(scope.start, today - timedelta(days=TREND_DAYS - 1)))
    trend_currency, trend = _trend(network, trend_scope, today, totals)
    return Glance(scope, totals, converted, unmatched, new_players, new_buyers,
                  _top(network, scope, CAMPAIGN), _top(network, scope, CREATOR),
                  trend_currency, trend)


def _new_players(network_id: int, start: date) -> tuple[int, int]:
    """Players first seen since ``start`` (one per Server they joined), and how many of them
    bought since then."""
    since = start_of(start)
    bought = exists().where(Purchase.player_id == Player.id, Purchase.purchased_at >= since)
    query = select(func.count(Player.id), func.count(Player.id).filter(bought)).join(
        Server, Server.id == Player.server_id).where(Server.network_id == network_id,
                                                     Player.first_seen >= since)
    players, buyers = db.session.execute(query).one()
    return int(players), int(buyers or 0)


def _top(network: Network, scope: Scope, by: str) -> Group | None:
    """The Campaign (creator) with the most net, ordered as the revenue overview's table."""
    groups = revenue_groups.grouped(revenue.breakdown(scope, by), network, "-net")
    return next((group for group in groups if group.key), None)  # 0: none


def _leading_currency(totals) -> str | None:
    return max(totals, key=lambda t: (t.purchases, t.net)).currency if totals else None


def _trend(network: Network, scope: Scope, today: date, totals) -> tuple[str | None, list]:
    """Net per day over ``scope``: converted when every currency has a rate, else the
    leading currency's."""
    series = revenue.net_by_day(scope)
    if not series:
        return None, []
    days = [scope.start + timedelta(days=i) for i in range((today - scope.start).days + 1)]
    in_range = set(days)  # (a purchase dated after today is not drawn, nor its currency)
    per_currency = {currency: found for currency, points in series.items()
                    if (found := {day: net for day, net in points if day in in_range})}
    converted = exchange_rates.converted_series(network, per_currency, days)
    if converted is not None:
        return network.display_currency, converted
    lead = _leading_currency(totals) or sorted(series)[0]
    return lead, [(day, per_currency.get(lead, {}).get(day, 0)) for day in days]


def latest_purchases(network_id: int, count: int = 8) -> list[Purchase]:
    return purchase_page(PurchaseFilter(Scope(network_id)), size=count).purchases


def integrations(network_id: int) -> list[Integration]:
    """Every connected store of the Network's Servers, by Server and store name."""
    return list(db.session.scalars(
        select(Integration).join(Server, Server.id == Integration.server_id)
        .where(Server.network_id == network_id).order_by(Server.name, Integration.store)))


# --- the setup checklist -------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool


def setup_steps(network_id: int) -> list[Step]:
    """The five steps from an empty Network to its first attributed purchase."""
    in_network = Server.network_id == network_id

    def any_row(query) -> bool:
        return db.session.scalar(select(query.exists())) or False

    return [
        Step("server", "Create a Server", any_row(select(Server.id).where(in_network))),
        Step("plugin", "Install the plugin (done when joins arrive)", any_row(
            select(Player.id).join(Server, Server.id == Player.server_id).where(in_network))),
        Step("store", "Connect a store (done at its first accepted delivery)", any_row(
            select(Integration.id).join(Server, Server.id == Integration.server_id).where(
                in_network, Integration.last_delivery_at.is_not(None)))),
        Step("campaign", "Create a Campaign", any_row(
            select(Campaign.id).where(Campaign.network_id == network_id))),
        Step("attributed", "Your first attributed purchase", any_row(
            select(Purchase.id).where(Purchase.network_id == network_id,
                                      (Purchase.campaign_id.is_not(None))
                                      | (Purchase.creator_id.is_not(None))))),
    ]
