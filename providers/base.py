"""What every store module shares: its protocol, and helpers to read JSON fields and signatures.

A store module is pure: bytes, headers and settings in; events out (events.py). It knows
nothing of Flask or the database, and imports nothing of Tally's but events, money and this
module. Each module exposes:

    NAME: str            # URL segment, e.g. "custom"
    TITLE: str           # shown on the integration card
    def verify(body: bytes, headers: Mapping[str, str], secret: str, query: Mapping[str, str]) -> None
    def parse(body: bytes, received_at: datetime, settings: Mapping) -> list[Event]

``verify`` raises SignatureError; ``parse`` raises PayloadError naming the field.
Optional: ``SECRET_SOURCE`` ("generated" by Tally or "pasted" from the store),
``SETTINGS`` (setting name -> hint), ``clean_settings(form) -> dict`` (PayloadError), and
``SINGLE_USE_SIGNATURE`` with ``presented_signature(headers) -> str`` for a store whose
signature covers only some fields: Tally then accepts each signature for one transaction;
``REPLAY_HEADERS``: the headers a replay of a refused delivery needs (None: not replayable).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime, timezone
from decimal import Decimal

from events import Item, PayloadError, SignatureError


def load_json(body: bytes):
    """Parse any JSON value, keeping numbers exact (Decimal) and rejecting NaN/Infinity."""
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise PayloadError("body is not valid UTF-8") from None
    except RecursionError:
        raise PayloadError("body is nested too deeply") from None
    except ValueError as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from None


def load_json_object(body: bytes) -> dict:
    """``load_json`` for a body that must be one JSON object."""
    data = load_json(body)
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
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # e.g. year 1 with a positive offset
        raise PayloadError(f"{field_name} is out of range") from None


def _from_epoch(value, field_name: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(f"{field_name} is out of range") from None


def required_string(data: dict, key: str, max_length: int = 128) -> str:
    value = data.get(key)
    if value is None:
        raise PayloadError(f"{key} is required")
    value = _stripped(value, key, max_length)
    if not value:
        raise PayloadError(f"{key} must not be empty")
    return value


def optional_string(data: dict, key: str, max_length: int = 254) -> str | None:
    value = data.get(key)
    return None if value is None else _stripped(value, key, max_length) or None


def string_field(obj: dict, key: str, where: str = "", required: bool = False,
                 max_length: int = 128) -> str | None:
    """``obj[key]`` as a stripped string, named ``where + key`` in errors.

    Whole numbers are accepted and turned into text (stores send ids either way);
    absent, null or blank is None, or PayloadError when ``required``."""
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PayloadError(f"{where}{key} is required")
        return None
    return _stripped(value, where + key, max_length)


def _stripped(value, name: str, max_length: int) -> str:
    """``value`` as a stripped string of at most ``max_length`` characters."""
    if not isinstance(value, str):
        raise PayloadError(f"{name} must be a string")
    value = value.strip()
    if len(value) > max_length:
        raise PayloadError(f"{name} is longer than {max_length} characters")
    return value


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


def hmac_sha256_hex(key: str, message: bytes) -> str:
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header(headers, name: str) -> str:
    """A header's value, or SignatureError when it is missing."""
    value = headers.get(name)
    if not value:
        raise SignatureError(f"{name} header is missing")
    return value.strip()


def x_signature(sign):
    """The ``verify`` of a store that sends ``sign(body, secret)`` in the X-Signature header."""
    def verify(body: bytes, headers, secret: str, query=None) -> None:
        require_equal(sign(body, secret), header(headers, "X-Signature"))
    return verify


def require_equal(expected: str, given: str, what: str = "signature", *,
                  ignore_case: bool = True) -> None:
    """Constant-time comparison of two strings: hex digests (case-insensitive, the
    default) or tokens (``ignore_case=False``)."""
    if ignore_case:
        expected, given = expected.lower(), given.lower()
    if not hmac.compare_digest(expected.encode("utf-8", "replace"), given.encode("utf-8", "replace")):
        raise SignatureError(f"{what} does not match")


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hmac_of_body_digest(secret: str, body: bytes) -> str:
    """hex HMAC-SHA256(key=secret, msg=lowercase hex SHA-256 of the raw body).

    The scheme Tebex documents for X-Signature (and the Custom store's too)."""
    return hmac_sha256_hex(secret, hashlib.sha256(body).hexdigest().encode("ascii"))


def canonical_json(data) -> str:
    """A stable text form of parsed JSON: sorted keys, no spaces, exact numbers.

    Two deliveries that differ only in whitespace or key order give the same text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      default=_json_number)


def _json_number(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_safe(value):
    """Parsed JSON with Decimals turned into strings, for storing in a JSON column."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def object_field(data: dict, key: str, where: str = "") -> dict:
    """``data[key]`` when it is a JSON object; PayloadError naming ``where + key`` otherwise."""
    name = f"{where}{key}"
    value = data.get(key)
    if value is None:
        raise PayloadError(f"{name} is required")
    if not isinstance(value, dict):
        raise PayloadError(f"{name} must be an object")
    return value


def list_field(data: dict, key: str, where: str = "", max_length: int = 100) -> list:
    """``data[key]`` as a list (absent or null: empty); PayloadError when it is not an array."""
    name = f"{where}{key}"
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{name} must be an array")
    if len(value) > max_length:
        raise PayloadError(f"{name} has more than {max_length} entries")
    return value


def whole_number(value, field_name: str, low: int = 1, high: int = 10_000) -> int:
    """A whole JSON number between ``low`` and ``high`` (2 or 2.0; not "2", not true)."""
    # The range check comes first: int() of 1e999999999 would build a billion-digit number.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) \
            or not low <= value <= high or value != int(value):
        raise PayloadError(f"{field_name} must be a whole number from {low} to {high}")
    return int(value)


def item_rows(rows: list, where: str, amount_minor: int, row_total) -> tuple[Item, ...]:
    """A store's list of item rows as Items. Each row is an object with a ``name`` and a
    ``quantity`` (default 1); ``row_total(row, here, quantity)`` gives the row's total in
    minor units (``here`` names the row in errors). No rows: one item "Purchase" at the
    purchase's amount."""
    if not rows:
        return (Item("Purchase", 1, amount_minor),)
    items = []
    for index, row in enumerate(rows):
        here = f"{where}[{index}]"
        if not isinstance(row, dict):
            raise PayloadError(f"{here} must be an object")
        name = string_field(row, "name", f"{here}.", required=True, max_length=200)
        quantity = whole_number(row.get("quantity", 1), f"{here}.quantity")
        items.append(Item(name, quantity, row_total(row, here, quantity)))
    return tuple(items)
