"""The delivery log: reading it page by page, and clearing old bodies.

Every webhook attempt is a Delivery row (see ledger.ingest). The raw body is
kept for DELIVERY_BODY_RETENTION_DAYS so an owner can see what a store sent,
then cleared; the row itself (time, status, outcome, reason) stays.
"""
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from models import Delivery
from models.base import utcnow

log = logging.getLogger(__name__)

PER_PAGE = 50
PRUNE_EVERY_SECONDS = 3600  # opportunistic pruning runs at most this often per process
_next_prune = 0.0


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
    where = (Delivery.server_id == server_id, Delivery.store == store)
    total = db.session.scalar(select(func.count(Delivery.id)).where(*where))
    number = max(1, number)
    rows = db.session.scalars(select(Delivery).where(*where).order_by(Delivery.id.desc())
                              .limit(per_page).offset((number - 1) * per_page)).all()
    return Page(rows, number, per_page, total)


def prune_bodies(days: int, now: datetime | None = None) -> int:
    """Clear the bodies of deliveries received more than ``days`` days ago; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(update(Delivery)
                                .where(Delivery.received_at < cutoff, Delivery.body.is_not(None))
                                .values(body=None).execution_options(synchronize_session=False))
    return result.rowcount or 0


def prune_if_due(days: int) -> None:
    """Opportunistic pruning from the webhook path: once per PRUNE_EVERY_SECONDS per process.

    Runs after the delivery was committed, in its own transaction; a failure here is
    logged and never changes the reply the store already earned.
    """
    global _next_prune
    now = time.monotonic()
    if now < _next_prune:
        return
    _next_prune = now + PRUNE_EVERY_SECONDS
    try:
        cleared = prune_bodies(days)
        db.session.commit()
        if cleared:
            log.info("cleared %d delivery bodies older than %d days", cleared, days)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("pruning delivery bodies failed")
