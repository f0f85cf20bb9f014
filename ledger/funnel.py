"""The Campaign comparison: per Campaign, and "no Campaign" (organic), what it brought and
what it returned in a period.

* new players        — players first seen in the period;
* returning players  — of the players it brought in the period, those who came back on a
  later day (ever);
* buyers             — of the players it brought in the period, those who bought (ever);

  all three from ActivityDay (ledger.outcomes counts a player's buying and coming back on
  their first day), so a period costs one row per Server, day and Campaign;
* conversion         — buyers ÷ new players;
* net                — net revenue credited to it in the period, per currency (RevenueDay);
  the organic row leaves out Unmatched purchases (they have no player yet);
* cost               — its spend on the period's days, per currency (ledger.costs). Costs are
  recorded per Campaign for the whole Network, so a Server filter does not change them.

All money is integers in minor units; ratios are exact integers (per mille) for pages, and
floats only for JSON.
"""
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select

from extensions import db
from ledger import costs
from ledger.campaigns import campaigns_of
from ledger.exchange_rates import Converted, converted_total, rates
from ledger.periods import Scope, days_of, on_server, rollup_filter
from ledger.revenue import divide_rounded
from models import ActivityDay, Network, RevenueDay
from models.activity import ORGANIC
from models.rollup import CAMPAIGN, MATCHED
from money import from_minor


@dataclass
class CampaignFigures:
    campaign_id: int | None  # None: no Campaign (organic)
    name: str | None
    new_players: int = 0
    returning_players: int = 0
    joins: int = 0
    buyers: int = 0
    net: dict[str, int] = field(default_factory=dict)
    gross: dict[str, int] = field(default_factory=dict)
    cost: dict[str, int] = field(default_factory=dict)

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.net) | set(self.cost))

    @property
    def conversion_permille(self) -> int | None:
        return divide_rounded(1000 * self.buyers, self.new_players) if self.new_players else None

    @property
    def conversion(self) -> float | None:
        return self.buyers / self.new_players if self.new_players else None

    def per_new_player(self, amounts: dict[str, int]) -> dict[str, int]:
        return _per(amounts, self.new_players)

    def per_buyer(self, amounts: dict[str, int]) -> dict[str, int]:
        return _per(amounts, self.buyers)

    def as_json(self) -> dict:
        """The figures as the CLI and the read API give them: amounts as decimal strings."""
        return {"name": self.name, "new_players": self.new_players,
                "returning_players": self.returning_players, "buyers": self.buyers,
                "conversion": None if self.conversion is None else round(self.conversion, 4),
                "net": decimal_strings(self.net), "cost": decimal_strings(self.cost)}

    @property
    def return_permille(self) -> dict[str, int]:
        """Net ÷ cost per currency, in tenths of a percent (1000 = paid for itself)."""
        return {c: divide_rounded(1000 * self.net.get(c, 0), spent)
                for c, spent in self.cost.items() if spent}


@dataclass
class InDisplay:
    """Net and cost converted to the Network's display currency, and net ÷ cost (per mille;
    None without cost, or when a currency has no exchange rate)."""

    net: Converted
    cost: Converted
    return_permille: int | None


def in_display_currency(network: Network, row: CampaignFigures) -> InDisplay | None:
    if not network.display_currency:
        return None
    known = rates(network.id)
    net, cost = converted_total(network, row.net, known), converted_total(network, row.cost, known)
    whole = cost.amount_minor and not net.missing and not cost.missing
    return InDisplay(net, cost, divide_rounded(1000 * net.amount_minor, cost.amount_minor)
                     if whole else None)


def decimal_strings(amounts: dict[str, int]) -> dict[str, str]:
    return {c: from_minor(amount, c) for c, amount in sorted(amounts.items())}


def _per(amounts: dict[str, int], count: int) -> dict[str, int]:
    return {c: divide_rounded(a, count) for c, a in amounts.items()} if count else {}


def comparison(scope: Scope, today: date) -> list[CampaignFigures]:
    """One row per Campaign of the Network, then organic; by name."""
    network = db.session.get(Network, scope.network_id)
    rows = {c.id: CampaignFigures(c.id, c.name) for c in campaigns_of(network)}
    rows[ORGANIC] = CampaignFigures(None, None)
    for campaign, *counts in _activity(scope):
        if campaign in rows:
            row = rows[campaign]
            row.new_players, row.joins, row.returning_players, row.buyers = map(int, counts)
    for campaign, amounts in revenue_by_campaign(scope).items():
        if campaign in rows:
            rows[campaign].net = {currency: net for currency, (_, net) in amounts.items()}
            rows[campaign].gross = {currency: gross for currency, (gross, _) in amounts.items()}
    for campaign, spent in costs.spend(scope.network_id, scope.start, scope.end, today).items():
        if campaign in rows:
            rows[campaign].cost = spent
    return list(rows.values())


def _activity(scope: Scope):
    query = select(ActivityDay.campaign_id, func.sum(ActivityDay.new_players),
                   func.sum(ActivityDay.joins), func.sum(ActivityDay.came_back),
                   func.sum(ActivityDay.buyers)).where(
        ActivityDay.network_id == scope.network_id, *days_of(ActivityDay.day, scope))
    query = on_server(query, ActivityDay.server_id, scope).group_by(ActivityDay.campaign_id)
    return db.session.execute(query).all()


def revenue_by_campaign(scope: Scope) -> dict[int, dict[str, tuple[int, int]]]:
    """{campaign (0: organic): {currency: (gross, net)}} in the period; organic without the
    Unmatched purchases (they have no player yet)."""
    sums = (func.sum(RevenueDay.gross_minor), func.sum(
        RevenueDay.gross_minor - RevenueDay.refunded_minor - RevenueDay.chargeback_minor))
    scope = replace(scope, store=None)
    by_campaign = rollup_filter(select(RevenueDay.ref_id, RevenueDay.currency, *sums),
                                RevenueDay, scope).where(RevenueDay.dimension == CAMPAIGN)
    unmatched = {currency: (int(gross), int(net)) for currency, gross, net in db.session.execute(
        rollup_filter(select(RevenueDay.currency, *sums), RevenueDay, scope).where(
            RevenueDay.dimension == MATCHED, RevenueDay.ref_id == 0).group_by(
            RevenueDay.currency))}
    result: dict[int, dict[str, tuple[int, int]]] = {}
    for campaign, currency, gross, net in db.session.execute(
            by_campaign.group_by(RevenueDay.ref_id, RevenueDay.currency)):
        less_gross, less_net = unmatched.get(currency, (0, 0)) if campaign == ORGANIC \
            else (0, 0)
        amounts = (int(gross) - less_gross, int(net) - less_net)
        if campaign != ORGANIC or amounts != (0, 0):
            result.setdefault(campaign, {})[currency] = amounts
    return result


# --- sorting ----------------------------------------------------------------------------------

SORTS = ("name", "new_players", "returning_players", "buyers", "conversion", "net",
         "net_per_player", "cost", "return")


def sort_figures(rows: list[CampaignFigures], sort: str, currency: str | None):
    """By a column of SORTS ("-" first for descending); money columns by their figure in
    ``currency``. Rows without a value go last either way. Returns (rows, sort used)."""
    column = sort.lstrip("-")
    if column not in SORTS:
        column, sort = "name", "name"
    descending = sort.startswith("-")

    def value(row: CampaignFigures):
        money = {"net": row.net, "net_per_player": row.per_new_player(row.net),
                 "cost": row.cost, "return": row.return_permille}
        if column in money:
            return money[column].get(currency)
        if column == "name":
            return (row.name or "").casefold() if row.campaign_id else "\uffff"
        return row.conversion_permille if column == "conversion" else getattr(row, column)

    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    return sorted(present, key=value, reverse=descending) + missing, sort
