"""CraftingStore Gold webhook: a JSON template of CraftingStore {placeholders}, filled in per payment.

Signature: X-Signature = hex HMAC-SHA256(key=secret, msg=raw body). Tally generates the secret;
the owner pastes it, the URL and PAYLOAD_TEMPLATE into CraftingStore. Every value arrives as a
string; a value left empty or still holding its ``{placeholder}`` counts as absent. The template
carries no currency, so the integration's settings do (chosen when connecting; default USD).
"""
import json

from events import Item, PayloadError, PurchaseEvent
from money import currency_code, parse_amount
from providers.base import (hmac_sha256_hex, load_json_object, parse_timestamp, template_value,
                            x_signature)

NAME = "craftingstore"
TITLE = "CraftingStore"
# The headers a replay of a refused delivery needs (ledger.replay).
REPLAY_HEADERS = ("X-Signature",)
DEFAULT_CURRENCY = "USD"
# The integration keeps a currency in its settings (chosen on the card or with --currency).
CURRENCY_SETTING = True

# The payload the owner pastes into CraftingStore, key for key (CraftingStore's own syntax).
FIELDS = ("transaction_id", "in_game_name", "uuid", "price", "payment_name", "email",
          "timestamp", "gateway", "coupon")
PAYLOAD_TEMPLATE = json.dumps({key: "{%s}" % key for key in FIELDS}, separators=(",", ":"))


def sign(body: bytes, secret: str) -> str:
    """The X-Signature value CraftingStore sends for ``body``."""
    return hmac_sha256_hex(secret, body)


verify = x_signature(sign)


def parse(body: bytes, received_at, settings) -> list[PurchaseEvent]:
    data = load_json_object(body)
    currency = currency_code(settings.get("currency") or DEFAULT_CURRENCY, "currency setting")
    total = parse_amount(_required(data, "price", 64), currency, "price", text=True)
    extra = {key: value for key in ("payment_name", "gateway")
             if (value := template_value(data, key, 200)) is not None}
    return [PurchaseEvent(
        transaction_id=_required(data, "transaction_id", 128),
        username=_required(data, "in_game_name", 64),
        amount_minor=total,
        currency=currency,
        items=(Item("Purchase", 1, total),),
        purchased_at=parse_timestamp(template_value(data, "timestamp", 64), "timestamp",
                                     received_at),
        email=template_value(data, "email", 254),
        uuid=template_value(data, "uuid", 36),
        coupon=template_value(data, "coupon", 64),
        extra=extra,
    )]


def _required(data: dict, key: str, max_length: int) -> str:
    value = template_value(data, key, max_length)
    if value is None:
        raise PayloadError(f"{key} is required")
    return value


def clean_settings(form) -> dict:
    """The settings the CraftingStore card's form may change (PayloadError names a bad field)."""
    return {"currency": currency_code(form.get("currency"), "currency")}
