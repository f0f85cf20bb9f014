from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import UTCDateTime, utcnow

VISIT = "visit"


class StoreEvent(db.Model):
    """Something a customer did on a store that is not revenue: a visit (login), a
    verification, a reward, a subscription expiry, a dispute notice.

    ``external_id`` (when the store gives one, or Tally derives one) makes a
    retried delivery count once per (Server, store).
    """

    __tablename__ = "store_events"
    __table_args__ = (
        UniqueConstraint("server_id", "store", "external_id"),
        Index("ix_store_events_server_kind_time", "server_id", "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    store: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    username: Mapped[str | None] = mapped_column(String(64))
    username_key: Mapped[str | None] = mapped_column(String(64))
    uuid: Mapped[str | None] = mapped_column(String(36))
    occurred_at = mapped_column(UTCDateTime, nullable=False)
    received_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    external_id: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict | None] = mapped_column(JSON)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"))
