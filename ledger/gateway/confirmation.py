"""Telling CraftingStore a payment was paid, then recording the purchase.

Three steps, so that no database transaction is open while CraftingStore answers (a slow
store must not hold a lock); the caller ends its transaction between them:

    pending = prepare(server_id, transaction_id, box)   # reads; None when nothing to do
    sent = send(pending, timeout, allow_private)         # HTTP only
    result = record(server_id, transaction_id, sent)     # writes; the caller commits
"""
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import NamedTuple

from events import SignatureError
from extensions import db
from ledger import outbound, targets
from ledger.crypto import SecretBox
from ledger.gateway.payments import GatewayError, complete, find_payment, status_of
from ledger.gateway.setup import find_integration
from models import Server
from models.base import utcnow
from models.pending_payment import CHARGED_BACK, EXPIRED, PAID
from providers import craftingstore_gateway as cs

log = logging.getLogger(__name__)
ANSWER_LIMIT = 2000  # characters of CraftingStore's answer kept on the payment


@dataclass(frozen=True)
class Confirmation:
    """The outcome of one mark-paid request."""

    ok: bool
    sent: bool  # False: nothing to do (already paid) or refused before sending
    message: str
    status: str  # the payment's status afterwards


class Pending(NamedTuple):
    """A signed confirmation, ready to send."""

    url: str
    body: bytes
    headers: dict


class Sent(NamedTuple):
    """What sending it gave: CraftingStore's answer (truncated, for the owner) or the error."""

    ok: bool
    answer: str | None
    error: str | None


def prepare(server_id: int, transaction_id: str, box: SecretBox) -> Pending | Confirmation:
    """The confirmation to send, or (already paid or charged back) the answer at once.
    Raises GatewayError: 404 unknown payment, 409 expired or gateway not connected."""
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
        secret = targets.secret(box, integration.secret_encrypted)
    except SignatureError as exc:
        raise GatewayError(f"The gateway secret cannot be read ({exc}).") from None
    body = cs.confirmation_body(transaction_id)
    return Pending(url, body, cs.confirmation_headers(body, secret))


def send(pending: Pending, timeout: float, allow_private: bool = False) -> Sent:
    """POST the confirmation. Accepted: a 2xx answer that is not JSON saying
    ``"success": false``. The secret is in no message. Only public addresses are reached
    unless ``allow_private`` (ledger.outbound)."""
    started = time.perf_counter()
    req = urllib.request.Request(pending.url, data=pending.body, headers=pending.headers,
                                 method="POST")
    try:
        with outbound.opener(allow_private).open(req, timeout=timeout) as response:
            code, text = response.status, _read(response)
    except urllib.error.HTTPError as exc:
        code, text = exc.code, _read(exc)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Sent(False, None, f"could not reach CraftingStore: {reason}"[:ANSWER_LIMIT])
    answer = f"HTTP {code}: {text}"[:ANSWER_LIMIT]
    log.info("craftingstore confirmation: HTTP %s in %d ms", code,
             int((time.perf_counter() - started) * 1000))
    if not 200 <= code < 300:
        return Sent(False, answer, f"CraftingStore answered HTTP {code}")
    if _says_failure(text):
        return Sent(False, answer, "CraftingStore answered success: false")
    return Sent(True, answer, None)


def record(server_id: int, transaction_id: str, sent: Sent) -> Confirmation:
    """Note the attempt on the payment and, when CraftingStore accepted it, record the
    purchase (once). Flushes; the caller commits."""
    payment = find_payment(server_id, transaction_id, lock=True)
    now = utcnow()
    payment.confirm_attempts = (payment.confirm_attempts or 0) + 1
    payment.last_confirm_at, payment.last_answer, payment.last_error = now, sent.answer, sent.error
    if sent.ok:
        payment.confirmed_at = now
        complete(db.session.get(Server, server_id), payment, None)
    db.session.flush()
    if sent.ok:
        return Confirmation(True, True, f"CraftingStore accepted the confirmation of "
                                        f"{transaction_id}; the purchase is recorded.", PAID)
    return Confirmation(False, True, f"CraftingStore did not accept the confirmation of "
                                     f"{transaction_id}: {sent.error}", status_of(payment))


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
