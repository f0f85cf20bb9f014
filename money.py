"""Money: amounts as integers in minor units of an ISO 4217 currency, never floats.

The one place that turns a number a store, the plugin or an owner typed into minor units,
and minor units back into text. Store modules (providers/) and services (ledger/) both use
it; it imports nothing of Tally's but the shared error type.

A JSON number is parsed as an exact ``Decimal``. Checkouts written in JavaScript or Python
often compute totals in binary floating point and send artefacts such as
0.30000000000000004 for 0.3; a value within ``FLOAT_NOISE`` of a whole number of minor
units is taken as that number. A value with real extra precision (9.999 USD) is refused.
"""
from __future__ import annotations

from decimal import Decimal, DecimalException, InvalidOperation

from events import PayloadError

# Currencies whose minor unit is not 1/100 (ISO 4217 exponents).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

MAX_AMOUNT = Decimal(1_000_000)  # in the currency's normal unit; larger is refused
FLOAT_NOISE = Decimal("1e-6")  # of a minor unit: below this, a difference is float noise


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def currency_code(value, field_name: str = "currency") -> str:
    if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isalpha():
        raise PayloadError(f"{field_name} must be a 3-letter currency code")
    return value.strip().upper()


def to_minor(value: Decimal, currency: str, field_name: str) -> int:
    """Exact conversion to minor units; refuses NaN, infinity and fractions of a minor unit
    (beyond float noise, see FLOAT_NOISE)."""
    if not value.is_finite():
        raise PayloadError(f"{field_name} must be a finite number")
    scaled = value.scaleb(exponent(currency))
    nearest = scaled.to_integral_value()
    if abs(scaled - nearest) > FLOAT_NOISE:
        raise PayloadError(f"{field_name} has more decimal places than {currency} allows")
    return int(nearest)


def from_minor(amount_minor: int, currency: str) -> str:
    """The inverse of to_minor, as exact text: 12345, "USD" -> "123.45"; -5, "JPY" -> "-5"."""
    return str(Decimal(amount_minor).scaleb(-exponent(currency)))


def format_amount(amount_minor: int | None, currency: str) -> str:
    """12345, "USD" -> "123.45 USD", with thousands separators (exact, from integers)."""
    if amount_minor is None:
        return ""
    places = exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, frac = divmod(abs(amount_minor), 10 ** places)
    text = f"{whole:,}" + (f".{frac:0{places}d}" if places else "")
    return f"{sign}{text} {currency}"


def decimal_number(value, field_name: str) -> Decimal:
    """A JSON number (parsed as Decimal), not a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PayloadError(f"{field_name} must be a number")
    return Decimal(value)


def decimal_string(value, field_name: str) -> Decimal:
    """A number that may arrive as a string ("9.99"), as template-based stores send them."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise PayloadError(f"{field_name} must be a number or a numeric string")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(f"{field_name} is not a number: {str(value)[:40]!r}") from None
    if not number.is_finite():
        raise PayloadError(f"{field_name} must be a finite number")
    return number


def check_amount(value: Decimal, field_name: str) -> Decimal:
    """A finite amount from 0 to MAX_AMOUNT."""
    if not value.is_finite():
        raise PayloadError(f"{field_name} must be a finite number")
    if value < 0:
        raise PayloadError(f"{field_name} must not be negative")
    if value > MAX_AMOUNT:
        raise PayloadError(f"{field_name} is above the {MAX_AMOUNT} limit")
    return value


def parse_amount(value, currency: str, field_name: str, *, text: bool = False) -> int:
    """A payment amount in minor units: a JSON number (or, with ``text``, also a numeric
    string), finite, from 0 to MAX_AMOUNT, and a whole number of minor units. The one
    check for webhooks, the plugin API and the dashboard's forms."""
    try:
        number = decimal_string(value, field_name) if text else decimal_number(value, field_name)
        return to_minor(check_amount(number, field_name), currency, field_name)
    except DecimalException:  # an exponent too large for Decimal's context
        raise PayloadError(f"{field_name} is out of range") from None
