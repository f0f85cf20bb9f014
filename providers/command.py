"""The game server's fallback purchase command, sent by the plugin (POST /api/v1/purchases and
/api/v1/refunds): pure parsing, like a store module's, but authenticated by the Server's
plugin key instead of a signature, so it is not in the webhook registry.

A purchase has the Custom webhook's fields (read by providers.custom.parse_purchase, so both
follow one set of rules) plus ``coupon`` (a creator code) and ``store`` (default "command").
A refund names a transaction, optionally an amount, a store and the caller's ``refund_id``.
"""
import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from events import PayloadError, PurchaseEvent
from money import check_amount, decimal_number
from providers import custom
from providers.base import load_json, optional_string, required_string, string_field

DEFAULT_STORE = "command"
MAX_PURCHASES = 1000
STORE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


@dataclass(frozen=True)
class Refund:
    transaction_id: str
    store: str
    amount: Decimal | None  # in the purchase's currency; None: all that remains
    refund_id: str | None


def parse_purchases(body: bytes, received_at: datetime) -> list[tuple[str, PurchaseEvent]]:
    """(store, event) for each purchase of one object or a list of 1 to MAX_PURCHASES;
    PayloadError naming the entry (``[3].amount ...``)."""
    payload = load_json(body)
    if isinstance(payload, dict):
        return [_purchase(payload, received_at, "")]
    if not isinstance(payload, list):
        raise PayloadError("the body must be a JSON object or a list of objects")
    if not payload:
        raise PayloadError("the list of purchases is empty")
    if len(payload) > MAX_PURCHASES:
        raise PayloadError(f"at most {MAX_PURCHASES} purchases per request, got {len(payload)}")
    return [_purchase(item, received_at, f"[{index}].") for index, item in enumerate(payload)]


def _purchase(item, received_at: datetime, where: str) -> tuple[str, PurchaseEvent]:
    if not isinstance(item, dict):
        raise PayloadError(f"{where.rstrip('.')}: must be an object")
    try:
        event = custom.parse_purchase(item, received_at)
        coupon = optional_string(item, "coupon", max_length=64)
        store = _store(item)
    except PayloadError as exc:
        raise PayloadError(f"{where}{exc}") from None
    return store, replace(event, coupon=coupon)


def parse_refund(body: bytes) -> Refund:
    data = load_json(body)
    if not isinstance(data, dict):
        raise PayloadError("the body must be a JSON object")
    amount = data.get("amount")
    return Refund(
        transaction_id=required_string(data, "transaction_id"),
        store=_store(data),
        amount=None if amount is None else check_amount(decimal_number(amount, "amount"),
                                                        "amount"),
        refund_id=string_field(data, "refund_id", max_length=64))


def _store(data: dict) -> str:
    store = string_field(data, "store", max_length=32)
    if store is None:
        return DEFAULT_STORE
    if not STORE_NAME.fullmatch(store):
        raise PayloadError("store must be 1-32 lowercase letters, digits, - or _")
    return store
