"""Breakdown rows grouped by what they break down by: each Campaign, creator, store, item or
Server once, with its currencies inside, and sorted across currencies.

The rows come from ledger.revenue (breakdown, items); this module only regroups and orders
them. Amounts stay per currency; a converted net is added when the Network has a display
currency and a rate for each of the group's currencies.
"""
from dataclasses import dataclass, field

from ledger import exchange_rates
from ledger.revenue import SORTS, Row
from models import Network


@dataclass
class Group:
    key: object
    label: str | None
    lines: list[Row] = field(default_factory=list)  # one per currency, by currency code
    converted: dict[str, int] | None = None  # gross and net in the display currency

    @property
    def purchases(self) -> int:
        return sum(line.purchases for line in self.lines)

    @property
    def quantity(self) -> int | None:
        if any(line.quantity is None for line in self.lines):
            return None
        return sum(line.quantity for line in self.lines)

    def amount(self, column: str, currency: str) -> int:
        return sum(getattr(line, column) for line in self.lines if line.currency == currency)


def grouped(rows: list[Row], network: Network, sort: str = "-net") -> list[Group]:
    """``rows`` (per key and currency) as one Group per key, ordered by ``sort``: a column of
    ledger.revenue.SORTS, "-" for descending. Money columns sort by the converted amount
    when every group has one, otherwise by the amount in the table's leading currency (the
    one with the most purchases), then in the next one, and so on."""
    groups: dict[object, Group] = {}
    for row in sorted(rows, key=lambda r: r.currency):
        groups.setdefault(row.key, Group(row.key, row.label)).lines.append(row)
    result = list(groups.values())
    if network.display_currency:
        known = exchange_rates.rates(network.id)
        for group in result:
            group.converted = _converted(network, group, known)
    return _ordered(result, sort)


def _converted(network, group: Group, known) -> dict[str, int] | None:
    amounts = {}
    for column in ("gross", "net"):
        total = exchange_rates.converted_total(
            network, {line.currency: getattr(line, column) for line in group.lines}, known)
        if total.missing:
            return None
        amounts[column] = total.amount_minor
    return amounts


def _ordered(groups: list[Group], sort: str) -> list[Group]:
    column = sort.lstrip("-")
    if column not in SORTS:
        column, sort = "net", "-net"
    if column == "label":
        def value(group):
            return (group.label or "").casefold()
    elif column == "purchases":
        def value(group):
            return group.purchases
    elif all(group.converted for group in groups):
        def value(group):
            return group.converted[column]
    else:
        order = _currencies_by_purchases(groups)

        def value(group):
            return tuple(group.amount(column, currency) for currency in order)
    groups = sorted(groups, key=lambda g: (g.label or "").casefold())
    return sorted(groups, key=value, reverse=sort.startswith("-"))


def _currencies_by_purchases(groups: list[Group]) -> list[str]:
    """The table's currencies, the one with the most purchases first (then by code)."""
    counts: dict[str, int] = {}
    for group in groups:
        for line in group.lines:
            counts[line.currency] = counts.get(line.currency, 0) + line.purchases
    return sorted(counts, key=lambda currency: (-counts[currency], currency))
