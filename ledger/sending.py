"""Delivering sends at least once: to Discord (up to ten embeds a message) and to owners'
endpoints (Standard Webhooks signatures), with retries.

The worker claims due sends (``claim``, a short transaction), reads what to post
(``batches``), posts with no transaction open (``post``), then records the outcome
(``record``). A claim is a lock: a worker killed mid-send leaves its sends "sending" until
the lock (SEND_LOCK_SECONDS) runs out, then another worker sends them again, so receivers
may see an event twice and deduplicate on its id (the webhook-id header, the event id in the
body). A live worker stops posting before its lock runs out (``release``). Discord's
429 ``retry_after`` is honoured for every pending send to that webhook, and a destination
that does not answer (or answers 5xx) is held the same way until its next try. A send that
keeps failing is retried with exponential backoff and jitter for ``GIVE_UP``, then marked
failed.
"""
import json
import random
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from standardwebhooks import Webhook

from extensions import db
from ledger import outbound
from ledger.crypto import SecretBox
from models import DiscordAlert, Send, WebhookEndpoint
from models.base import utcnow
from models.outbox import DISCORD, FAILED, PENDING, SENDING, SENT

GIVE_UP = timedelta(hours=24)
EMBEDS_PER_MESSAGE, MESSAGE_TEXT = 10, 6000  # Discord's limits
EXCERPT = 500
USER_AGENT = "Tally-Webhooks/1"


@dataclass
class Batch:
    """One HTTP request: its sends, where to, what to post."""

    send_ids: list[int]
    target: str
    target_id: int
    url: str
    body: bytes
    headers: dict
    embeds: list = field(default_factory=list)  # Discord: the message's embeds
    # The claim's lock on its sends: record and release change them only while it is still
    # this claim's (a worker whose lock ran out finds another worker's claim and leaves it).
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: int | None
    excerpt: str | None
    error: str | None
    retry_after: float | None = None


def claim(lock_seconds: float, limit: int = 100) -> list[int]:
    """Claim up to ``limit`` due sends (pending and due, or sending with a lapsed lock) for
    this worker, locked for ``lock_seconds``. Flushes; the caller commits at once."""
    now = utcnow()
    sends = list(db.session.scalars(
        select(Send).where(or_(and_(Send.status == PENDING, Send.next_attempt_at <= now),
                               and_(Send.status == SENDING, Send.locked_until < now)))
        .order_by(Send.id).limit(limit).with_for_update(skip_locked=True)))
    for send in sends:
        send.status, send.locked_until = SENDING, now + timedelta(seconds=lock_seconds)
        send.attempts = (send.attempts or 0) + 1
    db.session.flush()
    return [send.id for send in sends]


def batches(send_ids: list[int], box: SecretBox) -> list[Batch]:
    """The requests that deliver these sends: Discord ones grouped per webhook."""
    sends = list(db.session.scalars(select(Send).where(Send.id.in_(send_ids)).order_by(Send.id)))
    result, open_discord = [], {}
    for send in sends:
        if send.target == DISCORD:
            alert = db.session.get(DiscordAlert, send.target_id)
            if alert is None:
                result.append(_gone(send))
                continue
            batch = open_discord.get(alert.id)
            if batch is None or _full(batch, send.body):
                batch = open_discord[alert.id] = Batch(
                    [], DISCORD, alert.id, box.decrypt(alert.url_encrypted), b"",
                    {"Content-Type": "application/json", "User-Agent": USER_AGENT},
                    locked_until=send.locked_until)
                result.append(batch)
            batch.send_ids.append(send.id)
            batch.embeds.append(send.body)
        else:
            result.append(_webhook(send, box))
    for batch in result:
        if batch.embeds:
            batch.body = json.dumps({"embeds": batch.embeds,
                                     "allowed_mentions": {"parse": []}}).encode()
    return result


def _gone(send: Send) -> Batch:
    """A send whose destination was removed meanwhile: nothing to post (see post, record)."""
    return Batch([send.id], send.target, send.target_id, "", b"", {},
                 locked_until=send.locked_until)


def _full(batch: Batch, embed: dict) -> bool:
    size = sum(len(json.dumps(e)) for e in batch.embeds) + len(json.dumps(embed))
    return len(batch.embeds) >= EMBEDS_PER_MESSAGE or size > MESSAGE_TEXT


def _webhook(send: Send, box: SecretBox) -> Batch:
    endpoint = db.session.get(WebhookEndpoint, send.target_id)
    if endpoint is None:
        return _gone(send)
    body = json.dumps(send.body, separators=(",", ":"))
    now = utcnow()
    signature = Webhook(box.decrypt(endpoint.secret_encrypted)).sign(send.body["id"], now, body)
    return Batch([send.id], send.target, endpoint.id, endpoint.url, body.encode(), {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "webhook-id": send.body["id"], "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature}, locked_until=send.locked_until)


def post(batch: Batch, timeout: float, allow_private: bool) -> Outcome:
    """POST one batch (no database). Only public addresses unless ``allow_private``."""
    if not batch.url:
        return Outcome(False, None, None, "the destination was deleted")
    request = urllib.request.Request(batch.url, data=batch.body, headers=batch.headers,
                                     method="POST")
    try:
        with outbound.opener(allow_private).open(request, timeout=timeout) as response:
            return Outcome(True, response.status, _excerpt(response), None)
    except urllib.error.HTTPError as exc:
        excerpt = _excerpt(exc)
        return Outcome(False, exc.code, excerpt, f"HTTP {exc.code}", _retry_after(exc, excerpt))
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        return Outcome(False, None, None, str(getattr(exc, "reason", exc))[:EXCERPT])


def _excerpt(response) -> str:
    try:
        return response.read(EXCERPT).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def _retry_after(exc: urllib.error.HTTPError, body: str) -> float | None:
    """Seconds to wait after a 429: Discord's JSON ``retry_after``, else Retry-After."""
    if exc.code != 429:
        return None
    try:
        return float(json.loads(body or "{}").get("retry_after"))
    except (ValueError, TypeError, AttributeError):
        pass
    try:
        return float(exc.headers.get("Retry-After", "1"))
    except ValueError:
        return 1.0


def record(batch: Batch, outcome: Outcome) -> float | None:
    """Note how the batch went on each of its sends. When the destination is rate limited
    (429) or did not answer well (no answer, or a 5xx), its other waiting sends are held
    until this batch's next try, so one dead endpoint costs a timeout per try, not per send,
    and other destinations' sends are not held up behind it. Returns those seconds, or None.
    Flushes; the caller commits."""
    now, until = utcnow(), None
    for send in db.session.scalars(select(Send).where(Send.id.in_(batch.send_ids),
                                                      *_still_claimed(batch.locked_until))):
        send.response_code, send.locked_until = outcome.code, None
        send.response_excerpt, send.error = outcome.excerpt, outcome.error
        if outcome.ok:
            send.status, send.sent_at = SENT, now
        elif now - send.created_at >= GIVE_UP or not batch.url:  # given up, or deleted
            send.status = FAILED
        else:
            send.status = PENDING
            send.next_attempt_at = now + (timedelta(seconds=outcome.retry_after)
                                          if outcome.retry_after else backoff(send.attempts))
            until = min(until or send.next_attempt_at, send.next_attempt_at)
    unwell = outcome.retry_after or (not outcome.ok and (outcome.code or 500) >= 500)
    if until is None or not unwell:
        db.session.flush()
        return None
    db.session.execute(update(Send).where(
        Send.target == batch.target, Send.target_id == batch.target_id,
        Send.status == PENDING, Send.next_attempt_at < until)
        .values(next_attempt_at=until).execution_options(synchronize_session=False))
    db.session.flush()
    return (until - now).total_seconds()


def release(send_ids: list[int], locked_until: datetime,
            wait: timedelta = timedelta(0)) -> None:
    """Give claimed sends back unsent, due again after ``wait``: the claim's time ran out
    before their turn, or their destination was held by an earlier batch. Only while they
    are still this claim's (``locked_until``, see Batch)."""
    db.session.execute(update(Send).where(Send.id.in_(send_ids), *_still_claimed(locked_until))
                       .values(status=PENDING, locked_until=None,
                               next_attempt_at=utcnow() + wait, attempts=Send.attempts - 1)
                       .execution_options(synchronize_session=False))
    db.session.flush()


def _still_claimed(locked_until: datetime) -> tuple:
    """Conditions that a send is still claimed by the claim that locked it until
    ``locked_until``."""
    return Send.status == SENDING, Send.locked_until == locked_until


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … up to an hour, times a random 0.5-1.5 so retries spread out."""
    base = min(3600, 5 * 2 ** min(max(attempts - 1, 0), 12))
    return timedelta(seconds=base * random.uniform(0.5, 1.5))

