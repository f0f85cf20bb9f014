"""Custom webhook: any checkout that can send signed JSON.

Signature: X-Signature = hex HMAC-SHA256(key=secret, msg=lowercase hex SHA-256 of the raw body).
Fields: transaction_id, username, amount (required); currency, items, email, timestamp.
"""
from events import Item, PayloadError, PurchaseEvent
from money import currency_code, parse_amount
from providers.base import (hmac_of_body_digest, load_json_object, optional_string, parse_timestamp,
                            required_string, whole_number, x_signature)

NAME = "custom"
TITLE = "Custom webhook"
# The headers a replay of a refused delivery needs (ledger.replay).
REPLAY_HEADERS = ("X-Signature",)
MAX_ITEMS = 100


def sign(body: bytes, secret: str) -> str:
    """The X-Signature value for ``body``: what a custom store computes."""
    return hmac_of_body_digest(secret, body)


verify = x_signature(sign)


def parse(body: bytes, received_at, settings) -> list[PurchaseEvent]:
    return [parse_purchase(load_json_object(body), received_at)]


def parse_purchase(data: dict, received_at) -> PurchaseEvent:
    """One purchase object with the Custom webhook's fields; the plugin API's purchases
    (ledger.game_server) are read by this too, so both follow one set of rules."""
    currency = currency_code(data["currency"]) if data.get("currency") is not None else "USD"
    total = parse_amount(data["amount"], currency, "amount") if "amount" in data \
        else _missing("amount")
    return PurchaseEvent(
        transaction_id=required_string(data, "transaction_id"),
        username=required_string(data, "username", max_length=64),
        amount_minor=total,
        currency=currency,
        items=_items(data.get("items"), currency, total),
        purchased_at=parse_timestamp(data.get("timestamp"), "timestamp", received_at),
        email=optional_string(data, "email"),
    )


def _missing(field: str):
    raise PayloadError(f"{field} is required")


def _items(raw, currency: str, amount_minor: int) -> tuple[Item, ...]:
    if raw is None:
        return (Item("Purchase", 1, amount_minor),)
    if not isinstance(raw, list):
        raise PayloadError("items must be an array")
    if len(raw) > MAX_ITEMS:
        raise PayloadError(f"items has more than {MAX_ITEMS} entries")
    return tuple(_item(entry, index, currency) for index, entry in enumerate(raw))


def _item(entry, index: int, currency: str) -> Item:
    where = f"items[{index}]"
    if not isinstance(entry, dict):
        raise PayloadError(f"{where} must be an object")
    name = required_string(entry, "name", max_length=200) if "name" in entry else \
        _missing(f"{where}.name")
    if "price" not in entry:
        _missing(f"{where}.price")
    price = parse_amount(entry["price"], currency, f"{where}.price")
    quantity = whole_number(entry.get("quantity", 1), f"{where}.quantity")
    return Item(name, quantity, price * quantity)
