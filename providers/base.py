"""What every store module returns: normalised events, or a typed error.

A store module is pure: bytes, headers and settings in; events out. It knows
nothing of Flask or the database. Each module exposes:

    NAME: str            # URL segment, e.g. "custom"
    TITLE: str           # shown on the integration card
    def verify(body: bytes, headers: Mapping[str, str], secret: str, query: Mapping[str, str]) -> None
    def parse(body: bytes, received_at: datetime, settings: Mapping) -> list[Event]

``verify`` raises SignatureError; ``parse`` raises PayloadError naming the field.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation


class SignatureError(Exception):
    """The delivery is not signed with the integration's secret (HTTP 401)."""


class PayloadError(Exception):
    """The delivery is signed but its content is unusable (HTTP 400); the message names the field."""


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int
    total_minor: int


@dataclass(frozen=True)
class PurchaseEvent:
    transaction_id: str
    username: str
    amount_minor: int
    currency: str
    items: tuple[Item, ...]
    purchased_at: datetime
    email: str | None = None
    uuid: str | None = None
    coupon: str | None = None
    recurring: bool = False
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReversalEvent:
    """A refund or chargeback of an earlier purchase, sent by the store."""

    transaction_id: str
    kind: str  # "refund" or "chargeback"
    external_id: str
    amount_minor: int | None = None  # None: the whole remaining amount
    reason: str | None = None


# Currencies whose minor unit is not 1/100 (ISO 4217 exponents).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

MAX_AMOUNT = Decimal(1_000_000)


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def to_minor(value: Decimal, currency: str, field_name: str) -> int:
    """Exact conversion to minor units; rejects fractions of a minor unit, NaN and infinity."""
    if not value.is_finite():
        raise PayloadError(f"{field_name} must be a finite number")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise PayloadError(f"{field_name} has more decimal places than {currency} allows")
    return int(scaled)


def decimal_number(value, field_name: str) -> Decimal:
    """A JSON number (parsed as Decimal), not a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PayloadError(f"{field_name} must be a number")
    return Decimal(value)


def decimal_string(value, field_name: str) -> Decimal:
    """A number that arrives as a string ("9.99"), as template-based stores send them."""
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
    if not value.is_finite():
        raise PayloadError(f"{field_name} must be a finite number")
    if value < 0:
        raise PayloadError(f"{field_name} must not be negative")
    if value > MAX_AMOUNT:
        raise PayloadError(f"{field_name} is above the 1000000 limit")
    return value


def load_json_object(body: bytes) -> dict:
    """Parse a JSON object, keeping numbers exact (Decimal) and rejecting NaN/Infinity."""
    try:
        data = json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise PayloadError("body is not valid UTF-8") from None
    except RecursionError:
        raise PayloadError("body is nested too deeply") from None
    except ValueError as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    return data


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def parse_timestamp(value, field_name: str, default: datetime) -> datetime:
    """ISO 8601 (with or without offset; naive means UTC) or epoch seconds; absent -> default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return _from_epoch(value, field_name)
    if not isinstance(value, str):
        raise PayloadError(f"{field_name} must be an ISO 8601 timestamp")
    text = value.strip()
    if _EPOCH.match(text):
        return _from_epoch(Decimal(text), field_name)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{field_name} is not an ISO 8601 timestamp: {text[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _from_epoch(value, field_name: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(f"{field_name} is out of range") from None


def required_string(data: dict, key: str, max_length: int = 128) -> str:
    value = data.get(key)
    if value is None:
        raise PayloadError(f"{key} is required")
    if not isinstance(value, str):
        raise PayloadError(f"{key} must be a string")
    value = value.strip()
    if not value:
        raise PayloadError(f"{key} must not be empty")
    if len(value) > max_length:
        raise PayloadError(f"{key} is longer than {max_length} characters")
    return value


def optional_string(data: dict, key: str, max_length: int = 254) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{key} must be a string")
    value = value.strip()
    if len(value) > max_length:
        raise PayloadError(f"{key} is longer than {max_length} characters")
    return value or None


_EPOCH = re.compile(r"^\d+(\.\d+)?$")
_PLACEHOLDER = re.compile(r"^\{[^{}]*\}$")


def template_value(data: dict, key: str, max_length: int = 254) -> str | None:
    """A field filled in by a store's {placeholder} template, as a string, or None when absent.

    Absent means: missing, null, empty, or a placeholder the store left unsubstituted
    (the value is still ``{name}``). Numbers are accepted and kept as their exact text.
    """
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise PayloadError(f"{key} must be a string")
    text = str(value).strip()
    if not text or _PLACEHOLDER.match(text):
        return None
    if len(text) > max_length:
        raise PayloadError(f"{key} is longer than {max_length} characters")
    return text


def currency_code(value, field_name: str = "currency") -> str:
    if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isalpha():
        raise PayloadError(f"{field_name} must be a 3-letter currency code")
    return value.strip().upper()


def hmac_sha256_hex(key: str, message: bytes) -> str:
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header(headers, name: str) -> str:
    """A header's value, or SignatureError when it is missing."""
    value = headers.get(name)
    if not value:
        raise SignatureError(f"{name} header is missing")
    return value.strip()


def require_equal(expected: str, given: str, what: str = "signature") -> None:
    """Constant-time comparison of two hex strings (case-insensitive)."""
    if not hmac.compare_digest(expected.lower().encode("ascii", "replace"),
                               given.lower().encode("ascii", "replace")):
        raise SignatureError(f"{what} does not match")
