"""Donation Store webhooks: payment and user verification, on the same URL.

The owner makes up the secret and pastes it into both Donation Store and Tally.
Signature, in the Authorization header (a server may also pass it on as HTTP_AUTHORIZATION):
  payment:            hex SHA-256(secret + payment.transaction_id + customer.uuid + customer.email)
  user_verification:  hex SHA-256(secret + user.uuid + user.ip)
Donation Store's article writes request.body['transaction_id'] / ['uuid'] / ['email'], but its
example payload nests them (payment.transaction_id, customer.uuid, customer.email): we use those.
Only payment.status "Complete" is revenue; other statuses are answered 200 and logged as ignored.
Donation Store retries up to 5 times until it sees a 200; the transaction id makes them count once.

What the payment signature cannot protect: it covers the transaction id, UUID and email only,
glued together with no separator. The amount, the username, the status and the packages can be
changed by anyone who saw one delivery, and characters can be moved across the glued fields'
boundaries without changing the hash. ``verify`` refuses signed fields that are not well formed
and ``SINGLE_USE_SIGNATURE`` makes Tally accept each Authorization value for one transaction
only (see ``_check_signed_fields``). Serve Tally over HTTPS so that no one sees a delivery.
"""
import re

from events import (IgnoredEvent, Item, PayloadError, PurchaseEvent, SignatureError,
                    VerificationRequest)
from money import currency_code, parse_amount
from providers.base import (item_rows, json_safe, list_field, load_json_object, object_field,
                            parse_timestamp, require_equal, sha256_hex, string_field)

NAME = "donationstore"
TITLE = "Donation Store"
# The headers a replay of a refused delivery needs (ledger.replay).
REPLAY_HEADERS = ("Authorization", "HTTP_AUTHORIZATION", "Http-Authorization")
SECRET_SOURCE = "pasted"  # the owner makes the secret up and pastes it into both sides
SETTINGS = {
    "verify_rule": "Who may log in to the store: everyone, joined (only players who have "
                   "joined this Server) or blocklist (everyone except the block list)",
    "verify_message": "Shown above the store's login form when a player is refused",
    "verify_blocklist": "Usernames or UUIDs refused a login, one per line",
}
VERIFY_RULES = ("everyone", "joined", "blocklist")
MAX_MESSAGE = 200
MAX_BLOCKLIST = 1000
PAYMENT, VERIFICATION = "payment", "user_verification"
COMPLETE = "complete"
MAX_PACKAGES = 100
# A payment's Authorization value is accepted for one transaction id only (ledger.ingest).
SINGLE_USE_SIGNATURE = True
MINECRAFT_UUID = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
PLAUSIBLE_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,63}")
PLAUSIBLE_TRANSACTION_ID = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces


def signature(secret: str, *fields: str) -> str:
    """hex SHA-256 of the secret followed by ``fields``, as Donation Store computes it."""
    return sha256_hex(secret + "".join(fields))


def verify(body: bytes, headers, secret: str, query) -> None:
    require_equal(signature(secret, *_signed_fields(load_json_object(body))),
                  presented_signature(headers))


def presented_signature(headers) -> str:
    """The Authorization value sent (a server may also pass it on as HTTP_AUTHORIZATION)."""
    given = headers.get("Authorization") or headers.get("HTTP_AUTHORIZATION") \
        or headers.get("Http-Authorization")
    if not given or not given.strip():
        raise SignatureError("Authorization header is missing")
    return given.strip().lower()


def _signed_fields(data: dict) -> tuple[str, ...]:
    kind = _webhook_type(data)
    if kind == VERIFICATION:
        user = object_field(data, "user")
        return (string_field(user, "uuid", "user.", required=True),
                string_field(user, "ip", "user.", required=True))
    payment, customer = object_field(data, "payment"), object_field(data, "customer")
    return _check_signed_fields(
        string_field(payment, "transaction_id", "payment.", required=True),
        string_field(customer, "uuid", "customer.", required=True),
        string_field(customer, "email", "customer.", required=True, max_length=254))


def _check_signed_fields(transaction_id: str, uuid: str, email: str) -> tuple[str, str, str]:
    """Refuse (401) a payment whose signed fields are not well formed.

    The hash is over secret + transaction id + UUID + email with no separator, so a forger
    who saw one delivery can move characters across the field boundaries and keep the hash.
    The UUID's fixed shape (32 hex digits, or 36 with dashes in place) pins both of its
    boundaries when the neighbouring characters are not hex digits: a shift then leaves a
    UUID of the wrong length or with a stray character, refused here (the reported
    "tx-1001" -> "tx-10015" forgery is one). It does not pin them when the transaction id
    ends in hex digits: "123" + uuid + "mark@x.com" can be re-cut as "12" + "3" + uuid[:31]
    + uuid[31] + "mark@x.com", a well-formed UUID and a plausible email. Such a re-cut
    always reproduces the genuine Authorization value, so Tally's second rule closes it:
    an Authorization value is accepted for one transaction id only (SINGLE_USE_SIGNATURE).
    """
    if not MINECRAFT_UUID.fullmatch(uuid):
        raise SignatureError("customer.uuid is not a Minecraft UUID (32 hex digits, or 36 "
                             "with dashes), so the signature cannot be trusted")
    if not PLAUSIBLE_EMAIL.fullmatch(email):
        raise SignatureError("customer.email is not an email address, so the signature "
                             "cannot be trusted")
    if not PLAUSIBLE_TRANSACTION_ID.fullmatch(transaction_id):
        raise SignatureError("payment.transaction_id holds spaces or control characters, so "
                             "the signature cannot be trusted")
    return transaction_id, uuid, email


def _webhook_type(data: dict) -> str:
    kind = string_field(data, "webhook_type", required=True, max_length=64)
    if kind not in (PAYMENT, VERIFICATION):
        raise PayloadError(f"unknown Donation Store webhook_type {kind!r}; "
                           f"expected {PAYMENT!r} or {VERIFICATION!r}")
    return kind


def parse(body: bytes, received_at, settings) -> list:
    data = load_json_object(body)
    if _webhook_type(data) == VERIFICATION:
        user = object_field(data, "user")
        return [VerificationRequest(
            username=string_field(user, "ign", "user.", max_length=64),
            uuid=string_field(user, "uuid", "user.", required=True, max_length=36),
            occurred_at=received_at)]
    payment, customer = object_field(data, "payment"), object_field(data, "customer")
    transaction_id = string_field(payment, "transaction_id", "payment.", required=True)
    status = string_field(payment, "status", "payment.", required=True, max_length=32)
    currency = currency_code(payment.get("currency"), "payment.currency")
    if "amount" not in payment:
        raise PayloadError("payment.amount is required")
    amount = _minor(payment["amount"], "payment.amount", currency)
    items = _items(list_field(data, "packages", max_length=MAX_PACKAGES), currency, amount)
    if status.casefold() != COMPLETE:
        return [IgnoredEvent(f"payment status {status!r} is not revenue (only 'Complete' is)",
                             transaction_id)]
    coupons = _codes(list_field(data, "coupons"), "coupons")
    return [PurchaseEvent(
        transaction_id=transaction_id,
        username=string_field(customer, "username", "customer.", required=True, max_length=64),
        amount_minor=amount,
        currency=currency,
        items=items,
        purchased_at=parse_timestamp(payment.get("date"), "payment.date", received_at),
        email=string_field(customer, "email", "customer.", max_length=254),
        uuid=string_field(customer, "uuid", "customer.", max_length=36),
        coupon=coupons[0] if coupons else None,
        extra=_extra(data, payment, coupons),
    )]


def _minor(value, field_name: str, currency: str) -> int:
    return parse_amount(value, currency, field_name, text=True)


def _items(packages: list, currency: str, amount_minor: int) -> tuple[Item, ...]:
    def total(package: dict, where: str, quantity: int) -> int:
        if package.get("sub_total") is not None:
            return _minor(package["sub_total"], f"{where}.sub_total", currency)
        if package.get("price") is not None:
            return _minor(package["price"], f"{where}.price", currency) * quantity
        raise PayloadError(f"{where}.sub_total is required")

    return item_rows(packages, "packages", amount_minor, total)


def _codes(entries: list, where: str) -> list[str]:
    codes = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise PayloadError(f"{where}[{index}] must be an object")
        if code := string_field(entry, "code", f"{where}[{index}].", max_length=64):
            codes.append(code)
    return codes


def _extra(data: dict, payment: dict, coupons: list[str]) -> dict:
    """Store-specific detail kept for reference: gateway, all coupons, gift cards, virtual currency."""
    extra = {}
    if gateway := string_field(payment, "gateway", "payment.", max_length=64):
        extra["gateway"] = gateway
    if coupons:
        extra["coupons"] = coupons
    for key in ("gift_cards", "virtual_currencies"):
        entries = list_field(data, key)
        if any(not isinstance(entry, dict) for entry in entries):
            raise PayloadError(f"{key} must be an array of objects")
        if entries:
            extra[key] = json_safe(entries)
    return extra


def clean_settings(form) -> dict:
    """The verification settings from the Donation Store card's form (PayloadError on bad input)."""
    rule = (form.get("verify_rule") or "everyone").strip()
    if rule not in VERIFY_RULES:
        raise PayloadError(f"verify_rule must be one of {', '.join(VERIFY_RULES)}")
    message = (form.get("verify_message") or "").strip()
    if len(message) > MAX_MESSAGE:
        raise PayloadError(f"verify_message is longer than {MAX_MESSAGE} characters")
    raw = form.get("verify_blocklist") or ""
    entries = raw if isinstance(raw, list) else raw.replace(",", "\n").splitlines()
    blocklist = list(dict.fromkeys(e.strip() for e in entries if isinstance(e, str) and e.strip()))
    if len(blocklist) > MAX_BLOCKLIST:
        raise PayloadError(f"verify_blocklist has more than {MAX_BLOCKLIST} entries")
    if any(len(entry) > 36 for entry in blocklist):
        raise PayloadError("verify_blocklist entries are usernames or UUIDs (36 characters at most)")
    return {"verify_rule": rule, "verify_message": message, "verify_blocklist": blocklist}
