"""What the game-server plugin sends (the plugin API): joins, and the purchases and refunds of
its fallback command. Pure parsing, like a store module's, but authenticated by the Server's
plugin key instead of a signature, so it is not in the webhook registry.

A join has a username, and optionally a uuid, the hostname the player typed and a Campaign
code. A purchase has the Custom webhook's fields (read by providers.custom.parse_purchase, so
both follow one set of rules) plus ``coupon`` (a creator code) and ``store`` (default
"command"). Joins and purchases come one object or a list of up to 1,000, checked whole.
A refund names a transaction, optionally an amount, a store and the caller's ``refund_id``.
"""
import re
import uuid as uuidlib
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from events import PayloadError, PurchaseEvent
from money import check_amount, decimal_number
from providers import custom
from providers.base import load_json, optional_string, required_string, string_field

DEFAULT_STORE = "command"
MAX_ENTRIES = 1000  # joins or purchases in one request
STORE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
# Java names (3-16 of A-Z a-z 0-9 _), optionally with a Bedrock prefix such as ".Name" or "*Name".
USERNAME = re.compile(r"[.*]?[A-Za-z0-9_]{3,16}")
UUID = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
JOIN_FIELDS = {"username": 17, "uuid": 36, "hostname": 300, "campaign": 64}  # longest allowed


@dataclass(frozen=True)
class Join:
    username: str
    uuid: str | None = None  # dashed, lowercase
    hostname: str | None = None  # as sent (the ledger drops the port and folds it)
    campaign: str | None = None  # a Campaign code, as sent


@dataclass(frozen=True)
class Refund:
    transaction_id: str
    store: str
    amount: Decimal | None  # in the purchase's currency; None: all that remains
    refund_id: str | None


def parse_joins(body: bytes | dict | list) -> list[Join]:
    """One join object or a list of 1 to MAX_ENTRIES (a body, or JSON already parsed)."""
    return _one_or_many(body, "joins", _join)


def parse_purchases(body: bytes, received_at: datetime) -> list[tuple[str, PurchaseEvent]]:
    """(store, event) for each purchase of one object or a list of 1 to MAX_ENTRIES;
    PayloadError naming the entry (``[3].amount ...``)."""
    return _one_or_many(body, "purchases", lambda item, where: _purchase(item, received_at, where))


def _one_or_many(body, noun: str, parse_one) -> list:
    """Every entry of a body that is one JSON object or a list of 1 to MAX_ENTRIES objects,
    parsed by ``parse_one(entry, where)`` (``where`` is "" or "[3].")."""
    payload = load_json(body) if isinstance(body, bytes) else body
    if isinstance(payload, dict):
        return [parse_one(payload, "")]
    if not isinstance(payload, list):
        raise PayloadError("the body must be a JSON object or a list of objects")
    if not payload:
        raise PayloadError(f"the list of {noun} is empty")
    if len(payload) > MAX_ENTRIES:
        raise PayloadError(f"at most {MAX_ENTRIES} {noun} per request, got {len(payload)}")
    entries = []
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            raise PayloadError(f"[{index}]: must be an object")
        entries.append(parse_one(item, f"[{index}]."))
    return entries


def _join(item: dict, where: str) -> Join:
    values = {name: _text(item.get(name), where + name, limit)
              for name, limit in JOIN_FIELDS.items()}
    if values["username"] is None or not USERNAME.fullmatch(values["username"]):
        raise PayloadError(f"{where}username: must be a Minecraft username (3-16 letters, "
                           "digits or _, optionally after one . or *)")
    if values["uuid"] is not None and not UUID.fullmatch(values["uuid"]):
        raise PayloadError(f"{where}uuid: must be 32 hex digits or a dashed UUID")
    return Join(username=values["username"],
                uuid=str(uuidlib.UUID(values["uuid"])) if values["uuid"] else None,
                hostname=values["hostname"] or None,
                campaign=(values["campaign"] or "").strip() or None)


def _text(value, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{name}: must be a string")
    if len(value) > limit:
        raise PayloadError(f"{name}: at most {limit} characters")
    return value


def _purchase(item: dict, received_at: datetime, where: str) -> tuple[str, PurchaseEvent]:
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
