"""Owner-entered exchange rates and converted totals (exact: integers and Decimal, no float)."""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, DecimalException, localcontext

from sqlalchemy import select

from extensions import db
from models import ExchangeRate, Network
from models.exchange_rate import RATE_SCALE
from money import exponent


class RateError(ValueError):
    pass


@dataclass
class Converted:
    currency: str
    amount_minor: int = 0
    missing: list[str] = field(default_factory=list)  # currencies left out: no rate


MAX_RATE = Decimal(10 ** 9)  # keeps rate_nanos (10^18 at most) within BIGINT


def rate_nanos(rate: Decimal) -> int:
    """A rate as entered ("1.0845") to integer billionths; at most 9 decimal places."""
    try:
        if not rate.is_finite() or rate <= 0:
            raise RateError("the rate must be a positive number")
        if rate > MAX_RATE:
            raise RateError(f"the rate must not be above {MAX_RATE}")
        scaled = rate * RATE_SCALE
        if scaled != scaled.to_integral_value():
            raise RateError("the rate has more than 9 decimal places")
    except DecimalException:  # an exponent beyond what Decimal computes with
        raise RateError("the rate is not a usable number") from None
    return int(scaled)


def rate_text(nanos: int) -> str:
    return format((Decimal(nanos) / RATE_SCALE).normalize(), "f")


def rates(network_id: int) -> dict[str, int]:
    return dict(db.session.execute(select(ExchangeRate.currency, ExchangeRate.rate_nanos)
                                   .filter_by(network_id=network_id)).all())


def set_display_currency(network: Network, currency: str | None) -> None:
    network.display_currency = currency or None
    db.session.flush()


def set_rate(network_id: int, currency: str, rate: Decimal) -> ExchangeRate:
    nanos = rate_nanos(rate)
    row = db.session.scalar(select(ExchangeRate).filter_by(network_id=network_id,
                                                           currency=currency))
    if row is None:
        row = ExchangeRate(network_id=network_id, currency=currency, rate_nanos=nanos)
        db.session.add(row)
    row.rate_nanos = nanos
    db.session.flush()
    return row


def delete_rate(network_id: int, currency: str) -> None:
    row = db.session.scalar(select(ExchangeRate).filter_by(network_id=network_id,
                                                           currency=currency))
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def convert(amount_minor: int, currency: str, nanos: int, target: str) -> int:
    """``amount_minor`` of ``currency`` in minor units of ``target``, rounded half-even."""
    with localcontext() as context:
        context.prec = 60
        value = (Decimal(amount_minor) * nanos * 10 ** exponent(target)
                 / (10 ** exponent(currency) * RATE_SCALE))
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def converted_total(network: Network, amounts: dict[str, int],
                    known: dict[str, int] | None = None) -> Converted | None:
    """Sum of ``amounts`` (currency -> minor units) in the display currency, or None if unset.
    ``known``: the Network's rates, when the caller converts many sums (read once)."""
    target = network.display_currency
    if not target:
        return None
    known = rates(network.id) if known is None else known
    result = Converted(target)
    for currency, amount in sorted(amounts.items()):
        if currency == target:
            result.amount_minor += amount
        elif currency in known:
            result.amount_minor += convert(amount, currency, known[currency], target)
        else:
            result.missing.append(currency)
    return result


def converted_series(network: Network, per_currency: dict[str, dict],
                     buckets: list) -> list[tuple] | None:
    """[(bucket, amount in the display currency)] from each currency's amount per bucket
    (missing buckets count 0); None without a display currency, or when a currency of
    ``per_currency`` has no rate."""
    if not network.display_currency:
        return None
    known, points = rates(network.id), []
    for bucket in buckets:
        total = converted_total(network, {currency: values.get(bucket, 0)
                                          for currency, values in per_currency.items()}, known)
        if total.missing:
            return None
        points.append((bucket, total.amount_minor))
    return points
