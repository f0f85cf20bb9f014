"""The per-day (or per-month) net revenue chart: integer bar geometry for an inline SVG."""
from datetime import date, timedelta

from ledger import exchange_rates, revenue
from models.base import utc_today

CHART_WIDTH, CHART_HEIGHT, MAX_DAYS = 720, 160, 120


ALL = "all"  # the key of the series of every currency converted to the display currency


def charts(scope, network=None) -> list[dict]:
    """Bar geometry (integers) for an inline SVG per currency: per day, or per month when
    the period is longer than MAX_DAYS. With ``network``'s display currency and a rate for
    every other currency, one more series (key ALL) has them all converted."""
    start = scope.start or revenue.first_month(scope.network_id, scope.server_id)
    if start is None:
        return []
    end = scope.end or utc_today()
    monthly = (end - start).days >= MAX_DAYS
    if monthly:
        start = start.replace(day=1)
    buckets = _buckets(start, end, monthly)
    if not buckets:  # a period starting after today
        return []
    per_currency = {}
    for currency, points in sorted(revenue.net_by_day(scope, monthly).items()):
        values = per_currency[currency] = dict.fromkeys(buckets, 0)
        for day, net in points:
            if day in values:
                values[day] += net
    result = [_bars(currency, list(values.items()), monthly)
              for currency, values in per_currency.items()]
    converted = exchange_rates.converted_series(network, per_currency, buckets) \
        if network else None
    if converted and len(per_currency) > 1:
        result.insert(0, _bars(network.display_currency, converted, monthly, key=ALL))
    return result


def _buckets(start: date, end: date, monthly: bool) -> list[date]:
    days, day = [], start
    while day <= end:
        days.append(day)
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1) if monthly else (
            day + timedelta(days=1))
    return days


def _bars(currency, points, monthly, key=None) -> dict:
    top = max(max(value for _, value in points), 1)
    width = max(CHART_WIDTH // len(points), 1)
    bars = []
    for i, (day, value) in enumerate(points):
        height = max(value, 0) * CHART_HEIGHT // top
        label = day.strftime("%Y-%m") if monthly else day.isoformat()
        bars.append({"x": i * width, "y": CHART_HEIGHT - height, "width": max(width - 1, 1),
                     "height": height, "label": label, "value": value})
    return {"key": key or currency, "currency": currency, "bars": bars, "top": top, "width": width * len(points),
            "height": CHART_HEIGHT, "first": points[0][0], "monthly": monthly}


def sparkline(points: list[tuple[date, int]], width: int = 240, height: int = 48) -> dict:
    """A small trend line: integer coordinates of an SVG polyline through ``points`` (day,
    value), the highest value at the top and zero (or the lowest, when below) at the bottom."""
    if not points:
        return {"points": "", "width": width, "height": height}
    values = [value for _, value in points]
    low, high = min(min(values), 0), max(max(values), 1)
    step = width // max(len(points) - 1, 1)
    coords = [f"{i * step},{height - (value - low) * height // (high - low)}"
              for i, value in enumerate(values)]
    return {"points": " ".join(coords), "width": step * max(len(points) - 1, 1),
            "height": height, "first": points[0][0], "last": points[-1][0], "high": high}
