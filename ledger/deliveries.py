"""The delivery log: writing an attempt's row, reading the log page by page, pruning it.

Every verified delivery is a Delivery row, and so are refusals for a connected store, up
to ``rejections.Rejections.PER_HOUR`` an hour; every refusal is also counted per hour
(ledger.rejections). The raw body of a verified delivery is kept for
DELIVERY_BODY_RETENTION_DAYS so an owner can see what a store sent, then cleared; rows are
deleted after DELIVERY_LOG_RETENTION_DAYS.
"""
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from extensions import db
from ledger import health, prepared, rejections, replay
from models import Delivery, DeliveryRejection
from models.integration import WAITING
from models.base import utcnow


ACCEPTED, DUPLICATE, IGNORED, REJECTED = "accepted", "duplicate", "ignored", "rejected"
PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page(server_id: int, store: str, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """Attempts for one Server and store, newest first."""
    return paged(Delivery, (Delivery.server_id == server_id, Delivery.store == store), number,
                 per_page)


def paged(model, where: tuple, number: int, per_page: int = PER_PAGE) -> Page:
    """Page ``number`` of ``model``'s rows matching ``where``, newest (highest id) first."""
    total = db.session.scalar(select(func.count(model.id)).where(*where))
    number = max(1, number)
    rows = db.session.scalars(select(model).where(*where).order_by(model.id.desc())
                              .limit(per_page).offset((number - 1) * per_page)).all()
    return Page(list(rows), number, per_page, total)


def prune_bodies(days: int, now: datetime | None = None) -> int:
    """Clear the bodies of deliveries received more than ``days`` days ago; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(update(Delivery)
                                .where(Delivery.received_at < cutoff, Delivery.body.is_not(None))
                                .values(body=None).execution_options(synchronize_session=False))
    return result.rowcount or 0


def prune_rows(days: int, now: datetime | None = None) -> int:
    """Delete delivery rows and refusal counts older than ``days`` days; returns how many rows.
    Purchases keep existing (their delivery_id becomes empty). A delivery not applied yet
    (waiting, or failed and waiting for a replay) is kept."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(Delivery).where(Delivery.received_at < cutoff,
                                                       Delivery.apply_state.is_(None))
                                .execution_options(synchronize_session=False))
    db.session.execute(delete(DeliveryRejection).where(DeliveryRejection.hour < cutoff))
    return result.rowcount or 0


def prune(body_days: int, row_days: int) -> tuple[int, int]:
    """Clear old bodies and delete old rows: (bodies cleared, rows deleted). The caller commits."""
    return prune_bodies(body_days), prune_rows(row_days)


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict


@dataclass(frozen=True)
class DeliveryRef:
    """The Delivery row being written for this attempt (event handlers read its id), and the
    connection of the transaction writing it (the hot path passes it on)."""

    id: int
    conn: object = None


class DeliveryLog:
    """Writes the Delivery row of one attempt.

    ``latency_ms`` is the time from the request's start to writing the row: it includes
    waiting for the database and verifying and parsing the body, not the ledger writes
    that follow in the same transaction (they take about a millisecond).
    """

    def __init__(self, store: str, body: bytes, started: float, size: int | None = None):
        self.store, self.body, self.started = store, body, started
        self.size = len(body) if size is None else size
        self.received_at = utcnow()

    def start(self, conn, server, transaction_id: str | None,
              events: str | None = None) -> DeliveryRef:
        """The row of an attempt that passed verification, written as accepted, with the
        events to apply after the reply (``events``, JSON) if any; ``finish`` changes the
        outcome when it turns out otherwise."""
        return DeliveryRef(self._insert(conn, server, 200, ACCEPTED, None, self.body,
                                        transaction_id, events), conn)

    def finish(self, conn, delivery: DeliveryRef, outcome: str,
               reason: str | None = None) -> None:
        if outcome != ACCEPTED or reason is not None:  # accepted, no note: the row is final
            prepared.FINISH_DELIVERY.execute(conn, {
                "delivery_id": delivery.id, "outcome": outcome, "reason": reason})

    def reject(self, server, status: int, reason: str, *, verified: bool = False,
               connected: bool = True, replay_headers: dict | None = None) -> Reply:
        """Refuse the attempt, in a transaction of its own (it rolls back the caller's, which
        wrote nothing yet, and commits). Nobody has proved who sent an unverified body, so it
        is not kept, and the refusal gets a row only for a connected store and within the
        hourly limit; it is counted either way (ledger.rejections). A verified delivery that
        could not be used keeps its body for the owner to read. With ``replay_headers`` a
        logged refusal of a connected store also keeps a copy to replay (ledger.replay)."""
        db.session.rollback()
        counts = rejections.of(db.engine)
        server_id = server.id if server is not None else None
        logged = server is not None and (verified or counts.may_log(
            server_id if connected else None, self.store))
        counts.count(server_id, self.store, status, self.size, logged)
        if logged:
            conn = db.session.connection()
            delivery_id = self._insert(conn, server, status, REJECTED, reason,
                                       self.body if verified else None)
            if connected:
                health.note_refusal(server, self.store, reason)
                if replay_headers is not None and self.body:
                    replay.keep(delivery_id, server.id, self.store, replay_headers, self.body)
            db.session.commit()
        counts.flush_if_due()
        return Reply(status, {"error": reason})

    def _insert(self, conn, server, status, outcome, reason, body, transaction_id=None,
                events=None) -> int:
        return prepared.INSERT_DELIVERY.execute(conn, dict(
            server_id=server.id if server else None, store=self.store,
            received_at=self.received_at, status_code=status, outcome=outcome, reason=reason,
            latency_ms=int((time.perf_counter() - self.started) * 1000), size=self.size,
            body=body, transaction_id=transaction_id, events=events,
            apply_state=WAITING if events else None, apply_attempts=0)).fetchone()[0]
