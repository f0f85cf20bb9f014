"""CraftingStore custom payment gateway: Tally is the payment method.

Pure: bytes, headers and settings in; typed events, URLs and signed bodies out.

CraftingStore -> Tally (callbacks): a JSON POST with
    X-Signature = hex HMAC-SHA256(key=shared secret, msg=raw body)
and ``type`` one of PENDING, PAID, CHARGE-BACK.

Tally -> CraftingStore (confirmation): the compact JSON
    {"type":"paid","transactionId":"..."}
with X-Signature = hex HMAC-SHA256(key=shared secret, msg=exactly those bytes).
CraftingStore says to "remove any spaces and enters" before hashing; we serialise
with no whitespace at all and sign the very bytes we send (see docs/gateway.md).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlsplit

from events import PayloadError
from money import MAX_AMOUNT, currency_code, exponent, from_minor
from providers.base import (hmac_sha256_hex, load_json_object, optional_string, required_string,
                            x_signature)

NAME = "craftingstore_gateway"
TITLE = "CraftingStore gateway"

PENDING = "PENDING"
PAID = "PAID"
CHARGE_BACK = "CHARGE-BACK"
TYPES = (PENDING, PAID, CHARGE_BACK)

# Placeholders a payment page URL template may use; values are URL-encoded when filled in.
PLACEHOLDERS = ("transactionId", "amount", "amountMinor", "currency", "package", "email",
                "identifier", "username", "successUrl", "failedUrl")
_PLACEHOLDER = re.compile(r"\{([A-Za-z]+)\}")


@dataclass(frozen=True)
class GatewayEvent:
    """One CraftingStore callback. Only ``type`` and ``transaction_id`` are always present;
    the payment details are required on PENDING and optional (None) on PAID / CHARGE-BACK."""

    type: str
    transaction_id: str
    amount_minor: int | None = None
    currency: str | None = None
    package_name: str | None = None
    email: str | None = None
    identifier: str | None = None
    username: str | None = None
    success_url: str | None = None
    failed_url: str | None = None

    @property
    def has_details(self) -> bool:
        return self.amount_minor is not None and self.currency is not None


def sign(body: bytes, secret: str) -> str:
    """X-Signature: hex HMAC-SHA256 of the raw bytes (PHP: hash_hmac('sha256', $body, $key))."""
    return hmac_sha256_hex(secret, body)


verify = x_signature(sign)


def parse(body: bytes, received_at=None, settings=None) -> list[GatewayEvent]:
    data = load_json_object(body)
    kind = required_string(data, "type", max_length=20).upper()
    if kind not in TYPES:
        raise PayloadError(f"type must be one of {', '.join(TYPES)}")
    transaction_id = required_string(data, "transactionId", max_length=128)
    user = _object(data, "user")
    package = _object(data, "package")
    webhook = _object(data, "webhook")
    details = kind == PENDING or package.get("price") is not None
    currency = currency_code(data.get("currency")) if details or data.get("currency") else None
    return [GatewayEvent(
        type=kind,
        transaction_id=transaction_id,
        amount_minor=_price(package.get("price"), currency) if details else None,
        currency=currency,
        package_name=_package_name(package) if details else optional_string(package, "name", 200),
        email=_field(user, "user", "email", 254),
        identifier=_identifier(user.get("identifier")),
        username=_field(user, "user", "username", 64) or _field(data, "", "username", 64),
        success_url=_field(webhook, "webhook", "successUrl", 2000),
        failed_url=_field(webhook, "webhook", "failedUrl", 2000),
    )]


def confirmation_body(transaction_id: str) -> bytes:
    """The exact bytes Tally POSTs to CraftingStore: no spaces, no newlines, ASCII only."""
    return json.dumps({"type": "paid", "transactionId": transaction_id},
                      separators=(",", ":"), ensure_ascii=True).encode("ascii")


def confirmation_headers(body: bytes, secret: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Accept": "application/json",
            "X-Signature": sign(body, secret)}


def check_url(url: str, what: str) -> str:
    """An absolute http(s) URL with a host; raises ValueError naming ``what``."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise ValueError(f"{what} must be an http:// or https:// URL")
    return url


def check_template(template: str) -> str:
    """A payment page URL template: http(s), only known {placeholders}, {transactionId} required."""
    template = check_url(template, "The payment page URL")
    names = _PLACEHOLDER.findall(template)
    unknown = sorted(set(names) - set(PLACEHOLDERS))
    if unknown:
        raise ValueError(f"Unknown placeholder {{{unknown[0]}}}; use {', '.join(PLACEHOLDERS)}")
    if "transactionId" not in names:
        raise ValueError("The payment page URL must contain {transactionId}")
    return template


def payment_url(template: str, event: GatewayEvent) -> str:
    """The template with each placeholder replaced by its URL-encoded value ("" when absent)."""
    values = {
        "transactionId": event.transaction_id,
        "amount": "" if event.amount_minor is None or event.currency is None
        else from_minor(event.amount_minor, event.currency),
        "amountMinor": "" if event.amount_minor is None else str(event.amount_minor),
        "currency": event.currency, "package": event.package_name, "email": event.email,
        "identifier": event.identifier, "username": event.username,
        "successUrl": event.success_url, "failedUrl": event.failed_url,
    }
    return _PLACEHOLDER.sub(
        lambda m: quote(values.get(m.group(1)) or "", safe="") if m.group(1) in values
        else m.group(0), template)


def _object(data: dict, key: str) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{key} must be an object")
    return value


def _field(data: dict, where: str, key: str, max_length: int) -> str | None:
    try:
        return optional_string(data, key, max_length)
    except PayloadError as exc:
        raise PayloadError(f"{where}.{exc}" if where else str(exc)) from None


def _price(value, currency: str) -> int:
    """package.price: an integer amount in the currency's minor units ("in cents")."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if value is None:
        raise PayloadError("package.price is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError("package.price must be a whole number of cents")
    if value < 0:
        raise PayloadError("package.price must not be negative")
    if value > MAX_AMOUNT.scaleb(exponent(currency)):
        raise PayloadError("package.price is above the 1000000 limit")
    return value


def _package_name(package: dict) -> str:
    return _field(package, "package", "name", 200) or "CraftingStore package"


def _identifier(value) -> str | None:
    """user.identifier (basket id): CraftingStore documents a string; accept a number too."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or len(value) > 128:
        raise PayloadError("user.identifier must be a string of at most 128 characters")
    return value.strip() or None
