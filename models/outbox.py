"""The transactional outbox: what owners are told about, and each telling of it.

An ``OutboxEvent`` is written in the same transaction as the change that causes it (a
purchase, a refund, a gateway payment, an integration failing), so nothing is announced that
was not committed and nothing committed is lost. The worker turns each event into one
``Send`` per destination (a Discord alert, an owner's webhook endpoint) and delivers those
at least once, with retries; ``uid`` is the stable id receivers deduplicate on.
"""
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
DISCORD, WEBHOOK = "discord", "webhook"  # where a Send goes (its target)


class OutboxEvent(db.Model):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unsent", "fanned_out_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)  # "evt_…": what receivers see
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            index=True)
    server_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: outlives a Server
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    fanned_out_at = mapped_column(UTCDateTime)  # when its sends were made

    sends = relationship("Send", back_populates="event", cascade="all, delete-orphan",
                         passive_deletes=True)


class Send(db.Model):
    """One event to one destination, and how its delivery went (the log owners read)."""

    __tablename__ = "sends"
    __table_args__ = (Index("ix_sends_due", "status", "next_attempt_at"),
                      Index("ix_sends_target", "target", "target_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"),
                                          index=True)
    target: Mapped[str] = mapped_column(String(16))  # DISCORD or WEBHOOK
    target_id: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)  # what is sent, fixed when the send is made
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    locked_until = mapped_column(UTCDateTime)  # while one worker sends it
    response_code: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at = mapped_column(UTCDateTime)

    event = relationship("OutboxEvent", back_populates="sends")
