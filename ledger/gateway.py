"""CraftingStore custom payment gateway: Tally tells CraftingStore where to send the buyer,
and tells it when the buyer has paid.

    CraftingStore --PENDING-->  receive_callback  -> PendingPayment, answer {"data": {"url": ...}}
    owner / provider --------> mark_paid          -> signed confirmation to CraftingStore,
                                                     then the Purchase (record_purchase)
    CraftingStore --PAID----->  receive_callback  -> the Purchase (idempotent)
    CraftingStore --CHARGE-BACK-> receive_callback -> apply_reversal (idempotent)

Callbacks reuse the webhook pipeline's pieces (target lookup, secret, Delivery log) but
answer in CraftingStore's format. The HTTP call to CraftingStore is made with no database
transaction open, so a slow store never holds a lock.
"""
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from ledger import ingest, integrations, outbound, purchases
from ledger.corrections import CorrectionError, apply_reversal
from ledger.ingest import Reply
from ledger.secrets import digest
from models import Integration, PendingPayment, Purchase, Server
from models.base import utcnow
from models.pending_payment import CHARGED_BACK, EXPIRED, PAID, PENDING
from models.purchase import CHARGEBACK
from providers import craftingstore_gateway as cs
from providers.base import Item, PayloadError, PurchaseEvent, SignatureError

STORE = cs.NAME
RETENTION = timedelta(days=7)  # CraftingStore drops payments pending for longer
ANSWER_LIMIT = 2000  # characters of CraftingStore's answer kept on the payment
KEY_PREFIX = "tgw_"


class GatewayError(ValueError):
    """An action that cannot be done; the message is shown to the owner or API caller."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


# --- setup ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Credentials:
    """What the owner sees once: the CraftingStore shared secret and/or the payment key."""

    secret: str | None = None
    payment_key: str | None = None


def find_integration(server_id: int) -> Integration | None:
    return integrations.find(server_id, STORE)


def connect(server: Server, payment_url_template: str, confirmation_url: str,
            secret: str | None = None) -> tuple[Integration, Credentials]:
    """Connect the gateway. ``secret``: CraftingStore's gateway secret if the owner pasted it;
    otherwise one is generated for the owner to paste into CraftingStore."""
    settings = _settings(payment_url_template, confirmation_url)
    key = _new_payment_key(server)
    settings["payment_key_sha256"] = digest(key)
    try:
        integration, secret = integrations.connect(server, STORE, _pasted(secret), settings)
    except integrations.IntegrationError as exc:
        raise GatewayError(str(exc)) from None
    return integration, Credentials(secret=secret, payment_key=key)


def update_settings(integration: Integration, payment_url_template: str,
                    confirmation_url: str) -> None:
    settings = dict(integration.settings or {})
    settings.update(_settings(payment_url_template, confirmation_url))
    integration.settings = settings
    db.session.flush()


def regenerate_secret(integration: Integration, secret: str | None = None) -> Credentials:
    return Credentials(secret=integrations.regenerate(integration, _pasted(secret)))


def regenerate_payment_key(integration: Integration) -> Credentials:
    key = _new_payment_key(integration.server)
    integration.settings = {**(integration.settings or {}), "payment_key_sha256": digest(key)}
    db.session.flush()
    return Credentials(payment_key=key)


def disconnect(integration: Integration) -> None:
    """Payments, purchases and the delivery log stay; callbacks are refused from now on."""
    integrations.disconnect(integration)


def endpoint_url(server: Server) -> str:
    """The URL to paste into CraftingStore as the gateway endpoint."""
    return integrations.public_url("gateway.callback", projectId=server.project_id)


def _settings(payment_url_template: str, confirmation_url: str) -> dict:
    try:
        return {"payment_url_template": cs.check_template(payment_url_template),
                "confirmation_url": cs.check_url(confirmation_url, "The confirmation URL")}
    except ValueError as exc:
        raise GatewayError(str(exc), 400) from None


def _pasted(secret: str | None) -> str | None:
    """CraftingStore's secret when the owner pasted one (else Tally generates one)."""
    if not (secret or "").strip():
        return None
    try:
        return integrations.check_pasted_secret(secret)
    except integrations.IntegrationError as exc:
        raise GatewayError(str(exc), 400) from None


def _new_payment_key(server: Server) -> str:
    """``tgw_<projectId>.<random>``: the project id finds the integration, the digest checks it."""
    return f"{KEY_PREFIX}{server.project_id}.{secrets.token_urlsafe(32)}"


def integration_for_payment_key(key: str | None) -> Integration | None:
    """The gateway integration a payment key belongs to, or None (compared in constant time)."""
    if not key or not key.startswith(KEY_PREFIX) or "." not in key:
        return None
    project_id = key[len(KEY_PREFIX):].partition(".")[0]
    _, integration = ingest.find_target(project_id, STORE)
    expected = (integration.settings or {}).get("payment_key_sha256", "") if integration else ""
    if not secrets.compare_digest(expected.encode(), digest(key).encode()) or not expected:
        return None
    return integration


# --- reading ----------------------------------------------------------------------------------

def status_of(payment: PendingPayment, now: datetime | None = None) -> str:
    """The status to show: pending for over 7 days is expired (CraftingStore dropped it)."""
    if payment.status == PENDING and payment.created_at < (now or utcnow()) - RETENTION:
        return EXPIRED
    return payment.status


STATUSES = (PENDING, PAID, EXPIRED, CHARGED_BACK)


def list_payments(server_id: int, status: str | None = None, limit: int = 200,
                  now: datetime | None = None) -> list[PendingPayment]:
    """Newest first. ``status`` filters on the shown status (expiry computed from created_at)."""
    now = now or utcnow()
    query = select(PendingPayment).filter_by(server_id=server_id)
    cutoff = now - RETENTION
    if status == PENDING:
        query = query.filter(PendingPayment.status == PENDING, PendingPayment.created_at >= cutoff)
    elif status == EXPIRED:
        query = query.filter(PendingPayment.status == PENDING, PendingPayment.created_at < cutoff)
    elif status in (PAID, CHARGED_BACK):
        query = query.filter(PendingPayment.status == status)
    query = query.order_by(PendingPayment.created_at.desc(), PendingPayment.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def payment_in_server(server_id: int, payment_id: int) -> PendingPayment | None:
    payment = db.session.get(PendingPayment, payment_id)
    return payment if payment is not None and payment.server_id == server_id else None


def find_payment(server_id: int, transaction_id: str, lock: bool = False) -> PendingPayment | None:
    query = select(PendingPayment).filter_by(server_id=server_id, transaction_id=transaction_id)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


# --- CraftingStore -> Tally -------------------------------------------------------------------

FAILED = {"success": False}


def refuse_callback(project_id: str | None, status: int, reason: str, started: float) -> Reply:
    """Refuse a callback before reading it (413: too large), logged, in CraftingStore's format."""
    ingest.refuse(cs, project_id, status, reason, started)
    return Reply(status, {"success": False, "error": reason})


def receive_callback(project_id: str | None, body: bytes, headers, started: float) -> Reply:
    """One CraftingStore callback; logged as webhook deliveries are (ingest.DeliveryLog)."""
    log = ingest.DeliveryLog(STORE, body, started)
    if not project_id:
        log.reject(None, 400, "projectId query parameter is missing")
        return Reply(400, FAILED)
    server, integration = ingest.find_target(project_id, STORE)
    if integration is None:
        reason = "the CraftingStore gateway is not connected on this Server" if server \
            else "unknown projectId"
        log.reject(server, 404, reason, connected=False)
        return Reply(404, FAILED)
    try:
        cs.verify(body, headers, ingest.read_secret(integration.secret_encrypted))
        event = cs.parse(body)[0]
    except SignatureError as exc:
        log.reject(server, 400, str(exc))
        return Reply(400, FAILED)
    except PayloadError as exc:
        log.reject(server, 400, str(exc), verified=True)
        return Reply(400, {"success": False, "error": str(exc)})
    delivery = log.start(db.session.connection(), server, event.transaction_id)
    try:
        changed, reply = _HANDLERS[event.type](server, integration, event, delivery.id)
    except GatewayError as exc:
        log.reject(server, exc.status, str(exc), verified=True)
        return Reply(exc.status, {"success": False, "error": str(exc)})
    integration.last_delivery_at = log.received_at
    log.finish(db.session.connection(), delivery, "accepted" if changed else "duplicate")
    db.session.commit()
    return reply


def _on_pending(server, integration, event, delivery_id) -> tuple[bool, Reply]:
    payment, created = _payment_for(server, integration, event)
    return created, Reply(200, {"success": True, "data": {"url": payment.payment_url}})


def _on_paid(server, integration, event, delivery_id) -> tuple[bool, Reply]:
    payment, created = _payment_for(server, integration, event, lock=True)
    changed = _complete(server, payment, delivery_id)
    return created or changed, Reply(200, {"success": True})


def _on_charge_back(server, integration, event, delivery_id) -> tuple[bool, Reply]:
    payment, created = _payment_for(server, integration, event, lock=True)
    changed = created
    purchase = payment.purchase or db.session.scalar(select(Purchase).filter_by(
        server_id=server.id, store=STORE, transaction_id=payment.transaction_id))
    if purchase is not None:
        changed = _charge_back(purchase, payment) or changed
    if payment.status != CHARGED_BACK:
        payment.status, payment.charged_back_at = CHARGED_BACK, utcnow()
        changed = True
    return changed, Reply(200, {"success": True})


def _charge_back(purchase: Purchase, payment: PendingPayment) -> bool:
    """Reverse the purchase of a charged-back payment (once). True when it changed."""
    try:
        _, reversed_now = apply_reversal(purchase, CHARGEBACK, external_id=payment.transaction_id,
                                         reason="CraftingStore CHARGE-BACK")
    except CorrectionError:  # nothing left to reverse (refunded another way)
        return False
    return reversed_now


_HANDLERS = {cs.PENDING: _on_pending, cs.PAID: _on_paid, cs.CHARGE_BACK: _on_charge_back}


def _payment_for(server: Server, integration: Integration, event: cs.GatewayEvent,
                 lock: bool = False) -> tuple[PendingPayment, bool]:
    """The payment for ``event``'s transaction id, created from the event when new."""
    existing = find_payment(server.id, event.transaction_id, lock=lock)
    if existing is not None:
        return existing, False
    if not event.has_details:
        raise GatewayError(f"unknown transactionId {event.transaction_id!r} "
                           "(no PENDING seen and no package.price/currency given)", 404)
    template = (integration.settings or {}).get("payment_url_template", "")
    payment = PendingPayment(
        server_id=server.id, transaction_id=event.transaction_id,
        amount_minor=event.amount_minor, currency=event.currency,
        package_name=event.package_name or "CraftingStore package", email=event.email,
        identifier=event.identifier, username=event.username,
        payment_url=cs.payment_url(template, event), status=PENDING, created_at=utcnow(),
        extra={k: v for k, v in (("successUrl", event.success_url),
                                 ("failedUrl", event.failed_url)) if v} or None)
    try:
        with db.session.begin_nested():
            db.session.add(payment)
            db.session.flush()
    except IntegrityError:  # the same callback raced us and won
        existing = find_payment(server.id, event.transaction_id, lock=lock)
        if existing is None:
            raise
        return existing, False
    return payment, True


def _complete(server: Server, payment: PendingPayment, delivery_id: int | None) -> bool:
    """Record the purchase for ``payment`` (once) and mark it paid. True when anything changed."""
    changed = False
    if payment.purchase_id is None:
        purchase, changed = purchases.record_purchase(server, STORE, purchase_event(payment),
                                                      delivery_id)
        payment.purchase_id = purchase.id
        if payment.status == CHARGED_BACK:  # the CHARGE-BACK came first: book it net of it
            changed = _charge_back(purchase, payment) or changed
    if payment.status == PENDING:
        payment.status, payment.paid_at = PAID, utcnow()
        changed = True
    return changed


def purchase_event(payment: PendingPayment) -> PurchaseEvent:
    """The purchase a paid gateway payment becomes.

    Username: the one CraftingStore sent, else the buyer's email, else "basket <identifier>".
    Neither of the fallbacks can be a Minecraft name, so such a purchase is Unmatched until
    linked by hand, and the revenue pages still show who bought.
    """
    username, source = buyer_name(payment)
    return PurchaseEvent(
        transaction_id=payment.transaction_id, username=username,
        amount_minor=payment.amount_minor, currency=payment.currency,
        items=(Item(payment.package_name, 1, payment.amount_minor),),
        purchased_at=payment.paid_at or utcnow(), email=payment.email,
        extra={"gateway": "craftingstore", "username_source": source,
               **({"identifier": payment.identifier} if payment.identifier else {})})


def buyer_name(payment: PendingPayment) -> tuple[str, str]:
    if payment.username:
        return payment.username, "craftingstore"
    if payment.email and len(payment.email) <= 64:
        return payment.email, "email"
    if payment.identifier:
        return f"basket {payment.identifier}"[:64], "identifier"
    return f"transaction {payment.transaction_id}"[:64], "transaction"


# --- Tally -> CraftingStore -------------------------------------------------------------------

@dataclass(frozen=True)
class Confirmation:
    """The outcome of one mark-paid request."""

    ok: bool
    sent: bool  # False: nothing to do (already paid) or refused before sending
    message: str
    status: str  # the payment's status afterwards


def mark_paid(server_id: int, transaction_id: str) -> Confirmation:
    """Confirm the payment to CraftingStore and, once it accepts, record the purchase.

    Idempotent: a payment already paid (or charged back) is not confirmed again. A failed
    confirmation is recorded on the payment (attempts, answer, error) and can be retried.
    Commits. Raises GatewayError (404 unknown, 409 expired / not connected).
    """
    payment = find_payment(server_id, transaction_id)
    if payment is None:
        raise GatewayError(f"unknown transactionId {transaction_id!r}", 404)
    status = status_of(payment)
    if status in (PAID, CHARGED_BACK):
        return Confirmation(True, False, f"Payment {transaction_id} is already {status}.", status)
    if status == EXPIRED:
        raise GatewayError(f"Payment {transaction_id} expired: CraftingStore drops payments "
                           "pending for more than 7 days. It cannot be confirmed.")
    integration = find_integration(server_id)
    url = (integration.settings or {}).get("confirmation_url") if integration else None
    if not url:
        raise GatewayError("The CraftingStore gateway is not connected on this Server.")
    try:
        secret = ingest.read_secret(integration.secret_encrypted)
    except SignatureError as exc:
        raise GatewayError(f"The gateway secret cannot be read ({exc}).") from None
    body = cs.confirmation_body(transaction_id)
    headers = cs.confirmation_headers(body, secret)
    db.session.rollback()  # no transaction (or SQLite write lock) while we wait for the store

    ok, answer, error = send_confirmation(url, body, headers,
                                          current_app.config.get("GATEWAY_CONFIRM_TIMEOUT", 10),
                                          current_app.config["GATEWAY_ALLOW_PRIVATE"])

    payment = find_payment(server_id, transaction_id, lock=True)
    now = utcnow()
    payment.confirm_attempts = (payment.confirm_attempts or 0) + 1
    payment.last_confirm_at, payment.last_answer, payment.last_error = now, answer, error
    if ok:
        payment.confirmed_at = now
        _complete(db.session.get(Server, server_id), payment, None)
    db.session.commit()
    if ok:
        return Confirmation(True, True, f"CraftingStore accepted the confirmation of "
                                        f"{transaction_id}; the purchase is recorded.", PAID)
    return Confirmation(False, True, f"CraftingStore did not accept the confirmation of "
                                     f"{transaction_id}: {error}", status_of(payment))


def send_confirmation(url: str, body: bytes, headers: dict, timeout: float,
                      allow_private: bool = False) -> tuple[bool, str | None, str | None]:
    """POST ``body`` to CraftingStore. Returns (accepted, answer, error).

    Accepted: a 2xx answer that is not JSON saying ``"success": false``. The secret is in
    no message; the answer is kept (truncated) for the owner to read. Only public
    addresses are reached unless ``allow_private`` (ledger.outbound).
    """
    started = time.perf_counter()
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with outbound.opener(allow_private).open(req, timeout=timeout) as response:
            code, text = response.status, _read(response)
    except urllib.error.HTTPError as exc:
        code, text = exc.code, _read(exc)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, None, f"could not reach CraftingStore: {reason}"[:ANSWER_LIMIT]
    answer = f"HTTP {code}: {text}"[:ANSWER_LIMIT]
    elapsed = int((time.perf_counter() - started) * 1000)
    current_app.logger.info("craftingstore confirmation: HTTP %s in %d ms", code, elapsed)
    if not 200 <= code < 300:
        return False, answer, f"CraftingStore answered HTTP {code}"
    if _says_failure(text):
        return False, answer, "CraftingStore answered success: false"
    return True, answer, None


def _read(response) -> str:
    try:
        return response.read(ANSWER_LIMIT).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def _says_failure(text: str) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("success") is False
