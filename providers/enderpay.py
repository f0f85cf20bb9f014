"""EnderPay webhooks (Integrations > Webhooks in the EnderPay dashboard).

EnderPay does not sign its webhooks, so the URL itself is the credential: it carries
``token=<the integration secret>`` (compared in constant time; 401 when wrong or missing).
Body: {"event": "...", "data": {customer, payment?, package?, reward?, ban?}}. Totals are
strings ("100.00") in the store's currency, which is an integration setting.

No transaction id exists, so retries are recognised by content: the id is
"ep-" + SHA-256 of the canonical body (sorted keys, no whitespace) + the 10-minute bucket
it arrived in; the previous bucket's id is an alias. Identical bodies less than 10 minutes
apart always count once; 10-20 minutes apart may count once; 20+ minutes apart count twice.
Two genuinely identical purchases within the window (same player, package and total) are
therefore counted once: the price of having no transaction id.
"""
import hashlib

from events import (Item, MatchedReversalEvent, PayloadError, PurchaseEvent, SignatureError,
                    StoreActivityEvent)
from money import currency_code, parse_amount
from providers.base import (canonical_json, load_json_object, object_field, require_equal,
                            string_field, whole_number)

NAME = "enderpay"
TITLE = "EnderPay"
# Not replayable: the credential is the URL's token, which Tally never stores (ledger.replay).
REPLAY_HEADERS = None
SECRET_SOURCE = "generated"  # Tally generates the token that goes into the URL
SETTINGS = {"currency": "The currency your EnderPay store charges in (3 letters, e.g. EUR)"}
DEFAULT_CURRENCY = "USD"
CURRENCY_SETTING = True  # the payload has no currency: the owner picks it on the card
BUCKET_SECONDS = 600

PURCHASES = {"STORE_PACKAGE_INITIAL": False, "STORE_PACKAGE_RENEWAL": True}  # -> recurring
CHARGEBACK = "STORE_PACKAGE_CHARGEBACK"
EXPIRY = "STORE_PACKAGE_EXPIRY"
LOGINS = ("STORE_LOGIN_SUCCESSFUL", "STORE_LOGIN_PLAYER_BANNED")
REWARD_PREFIX = "REWARD_GIVEN_"
KNOWN = (*PURCHASES, CHARGEBACK, EXPIRY, *LOGINS, REWARD_PREFIX + "*")


def verify(body: bytes, headers, secret: str, query) -> None:
    token = (query.get("token") or "").strip()
    if not token:
        raise SignatureError("token query parameter is missing")
    require_equal(secret, token, "token", ignore_case=False)


def parse(body: bytes, received_at, settings) -> list:
    raw = load_json_object(body)
    event = string_field(raw, "event", required=True, max_length=64)
    data = object_field(raw, "data")
    customer = object_field(data, "customer", "data.")
    username = string_field(customer, "username", "data.customer.", required=True, max_length=64)
    uuid = string_field(customer, "dashed_uuid", "data.customer.", max_length=36) \
        or string_field(customer, "uuid", "data.customer.", max_length=36)
    ids = _dedupe_ids(raw, received_at)
    common = {"username": username, "uuid": uuid}

    if event in PURCHASES or event in (CHARGEBACK, EXPIRY):
        currency = currency_code(settings.get("currency") or DEFAULT_CURRENCY, "currency setting")
        payment = object_field(data, "payment", "data.")
        package = object_field(data, "package", "data.")
        amount = _total(payment, currency)
        name = string_field(package, "name", "data.package.", required=True, max_length=200)
        quantity = whole_number(package.get("quantity", 1), "data.package.quantity")
        gateway = string_field(payment, "gateway_type", "data.payment.", max_length=64)
        extra = {"gateway": gateway} if gateway else {}
        if event in PURCHASES:
            return [PurchaseEvent(
                transaction_id=ids[0], amount_minor=amount, currency=currency,
                items=(Item(name, quantity, amount),), purchased_at=received_at,
                recurring=PURCHASES[event], extra=extra, duplicate_if_recorded=ids[1:], **common)]
        if event == CHARGEBACK:
            return [MatchedReversalEvent(
                kind="chargeback", external_id=ids[0], amount_minor=amount, currency=currency,
                occurred_at=received_at, item_name=name, quantity=quantity, extra=extra,
                duplicate_if_recorded=ids[1:], **common)]
        return [_activity("expiry", received_at, ids, common,
                          {"package": name, "quantity": quantity, "total_minor": amount,
                           "currency": currency})]
    if event in LOGINS:
        detail = {}
        if event == "STORE_LOGIN_PLAYER_BANNED":
            ban = data.get("ban") if isinstance(data.get("ban"), dict) else {}
            detail = {"banned": True, "reason": string_field(ban, "reason", "data.ban.", max_length=500)}
        return [_activity("visit", received_at, ids, common, detail)]
    if event.startswith(REWARD_PREFIX):
        reward = object_field(data, "reward", "data.")
        return [_activity("reward", received_at, ids, common, {
            "reward": event[len(REWARD_PREFIX):].lower(),
            "id": string_field(reward, "id", "data.reward."),
            "name": string_field(reward, "name", "data.reward.", max_length=200)})]
    raise PayloadError(f"unknown EnderPay event {event!r}; expected one of {', '.join(KNOWN)}")


def _total(payment: dict, currency: str) -> int:
    if "total" not in payment:
        raise PayloadError("data.payment.total is required")
    return parse_amount(payment["total"], currency, "data.payment.total", text=True)


def _activity(kind, received_at, ids, common, detail) -> StoreActivityEvent:
    return StoreActivityEvent(kind=kind, occurred_at=received_at, external_id=ids[0],
                              duplicate_if_recorded=ids[1:], detail=detail, **common)


def _dedupe_ids(raw: dict, received_at) -> tuple[str, str]:
    """(this delivery's id, the same body's id in the previous 10-minute bucket)."""
    digest = hashlib.sha256(canonical_json(raw).encode("ascii")).hexdigest()[:48]
    bucket = int(received_at.timestamp()) // BUCKET_SECONDS
    return f"ep-{digest}-{bucket}", f"ep-{digest}-{bucket - 1}"


def clean_settings(form) -> dict:
    """The settings the EnderPay card's form may change (PayloadError names a bad field)."""
    return {"currency": currency_code(form.get("currency"), "currency")}
