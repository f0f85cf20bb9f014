"""The background worker's own rows: who holds a lease, and one-off jobs it must run."""
from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import UTCDateTime, utcnow


class Lease(db.Model):
    """A duty only one worker may do at a time (on SQLite: all of them). The holder renews it;
    when it dies, the lease runs out and another worker takes it over."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at = mapped_column(UTCDateTime, nullable=False)


class Job(db.Model):
    """Work a request asked for and must not wait on, e.g. recounting a Network's rollups
    after a delete. Done at least once; retried with a backoff when it fails."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "done_at", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    network_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict | None] = mapped_column(JSON)
    run_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    done_at = mapped_column(UTCDateTime)
