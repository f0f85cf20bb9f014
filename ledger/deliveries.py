"""The delivery log: reading it page by page, pruning it, and counting refusals.

Every verified webhook attempt is a Delivery row (see ledger.ingest), and so are refusals
for a connected store, up to ``Rejections.PER_HOUR`` an hour. The raw body of a verified
delivery is kept for DELIVERY_BODY_RETENTION_DAYS so an owner can see what a store sent,
then cleared; rows are deleted after DELIVERY_LOG_RETENTION_DAYS. Refusals are also
counted per hour (``Rejections``, DeliveryRejection rows), whether logged or not.
"""
import logging
import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from models import Delivery, DeliveryRejection
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


def prune_rows(days: int, now: datetime | None = None) -> int:
    """Delete delivery rows and refusal counts older than ``days`` days; returns how many rows.
    Purchases keep existing (their delivery_id becomes empty)."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(Delivery).where(Delivery.received_at < cutoff)
                                .execution_options(synchronize_session=False))
    db.session.execute(delete(DeliveryRejection).where(DeliveryRejection.hour < cutoff))
    return result.rowcount or 0


def prune(body_days: int, row_days: int) -> tuple[int, int]:
    """Clear old bodies and delete old rows: (bodies cleared, rows deleted). The caller commits."""
    return prune_bodies(body_days), prune_rows(row_days)


def prune_if_due(body_days: int, row_days: int) -> None:
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
        cleared, deleted = prune(body_days, row_days)
        db.session.commit()
        if cleared or deleted:
            log.info("cleared %d delivery bodies older than %d days, deleted %d rows older "
                     "than %d days", cleared, body_days, deleted, row_days)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("pruning the delivery log failed")


def refused_not_logged(server_id: int, store: str, hours: int = 24) -> int:
    """Refusals for this Server and store in the last ``hours`` that have no row of their own."""
    since = utcnow() - timedelta(hours=hours)
    return int(db.session.scalar(select(func.coalesce(func.sum(
        DeliveryRejection.count - DeliveryRejection.logged), 0)).where(
        DeliveryRejection.server_id == server_id, DeliveryRejection.store == store,
        DeliveryRejection.hour >= since.replace(minute=0, second=0, microsecond=0))))


class Rejections:
    """Refused deliveries, counted per hour in this process and added to DeliveryRejection
    rows at most every FLUSH_SECONDS: an unauthenticated request that is refused costs no
    write of its own. Refusals before verification get a Delivery row only for a connected
    store and at most PER_HOUR of them per Server, store and hour in this process."""

    PER_HOUR = 100
    FLUSH_SECONDS = 10.0

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: dict[tuple, list[int]] = {}  # (server, store, hour, status) -> counts
        self.logged: Counter = Counter()  # (server, store, hour) -> rows written
        self.next_flush = time.monotonic() + self.FLUSH_SECONDS

    def may_log(self, server_id: int | None, store: str) -> bool:
        """Whether a refusal gets a Delivery row (and counts towards the hourly limit)."""
        if server_id is None:
            return False
        key = (server_id, store, _hour(utcnow()))
        with self.lock:
            if self.logged[key] >= self.PER_HOUR:
                return False
            self.logged[key] += 1
            return True

    def count(self, server_id: int | None, store: str, status: int, size: int,
              logged: bool) -> None:
        key = (server_id or 0, store, _hour(utcnow()), status)
        with self.lock:
            entry = self.pending.setdefault(key, [0, 0, 0])
            entry[0] += 1
            entry[1] += int(logged)
            entry[2] += size

    def flush_if_due(self) -> None:
        if time.monotonic() >= self.next_flush:
            self.flush()

    def flush(self) -> None:
        """Add the counts to the database in one transaction of their own. Commits."""
        with self.lock:
            pending, self.pending = self.pending, {}
            self.next_flush = time.monotonic() + self.FLUSH_SECONDS
            current = _hour(utcnow())
            self.logged = Counter({k: n for k, n in self.logged.items() if k[2] == current})
        if not pending:
            return
        rows = [{"server_id": server_id, "store": store, "hour": hour, "status_code": status,
                 "count": n, "logged": logged, "bytes": size}
                for (server_id, store, hour, status), (n, logged, size) in sorted(pending.items())]
        try:
            db.session.execute(_ADD_REJECTIONS[db.engine.dialect.name], rows)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("counting refused deliveries failed")


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _add_rejections(dialect):
    statement = dialect.insert(DeliveryRejection)
    return statement.on_conflict_do_update(
        index_elements=["server_id", "store", "hour", "status_code"],
        set_={name: DeliveryRejection.__table__.c[name] + statement.excluded[name]
              for name in ("count", "logged", "bytes")})


_ADD_REJECTIONS = {"postgresql": _add_rejections(postgresql), "sqlite": _add_rejections(sqlite)}
_REJECTIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_REJECTIONS_LOCK = threading.Lock()


def rejections(engine) -> Rejections:
    """The refusal counter of this process for one database (an app's engine)."""
    with _REJECTIONS_LOCK:
        found = _REJECTIONS.get(engine)
        if found is None:
            found = _REJECTIONS[engine] = Rejections()
        return found
