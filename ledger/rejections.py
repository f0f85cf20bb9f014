"""Refused deliveries, counted per hour without a write of their own.

A refused request proves nothing about who sent it, so it must not be able to grow the
database: it is counted in memory and added to one DeliveryRejection row per Server,
store, hour and status at most every FLUSH_SECONDS. Refusals before verification get a
Delivery row of their own only for a connected store and at most PER_HOUR of them per
Server, store and hour in this process (ledger.deliveries.DeliveryLog.reject).
"""
import logging
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from ledger.per_database import PerDatabase
from models import DeliveryRejection
from models.base import utcnow

log = logging.getLogger(__name__)


def not_logged(server_id: int, store: str, hours: int = 24) -> int:
    """Refusals for this Server and store in the last ``hours`` that have no row of their own."""
    since = utcnow() - timedelta(hours=hours)
    return int(db.session.scalar(select(func.coalesce(func.sum(
        DeliveryRejection.count - DeliveryRejection.logged), 0)).where(
        DeliveryRejection.server_id == server_id, DeliveryRejection.store == store,
        DeliveryRejection.hour >= since.replace(minute=0, second=0, microsecond=0))))


class Rejections:
    """This process's refusal counts for one database, not yet written."""

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
# This process's refusal counts for one database: ``of(db.engine)``.
of = PerDatabase(Rejections)
