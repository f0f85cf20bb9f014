from sqlalchemy import (JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow


class Integration(db.Model):
    """A store connected to a Server. The secret is Fernet-encrypted (see ledger.crypto)."""

    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("server_id", "store"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    store: Mapped[str] = mapped_column(String(32))
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    # Store-specific options (currency for EnderPay, verification rule, gateway URLs, ...).
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    secret_rotated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_delivery_at = mapped_column(UTCDateTime)  # last one that passed verification
    # Refusals since the last accepted delivery, and since when it is failing (five refusals
    # in a row, or none accepted for a day): the dashboard's banner and the outbox event.
    failures_in_row: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failing_since = mapped_column(UTCDateTime)

    server = relationship("Server", back_populates="integrations")


WAITING, FAILED = "waiting", "failed"  # Delivery.apply_state


class Delivery(db.Model):
    """One webhook attempt, whatever its outcome: the owner's window into what a store sent.

    An accepted delivery is a receipt: its normalised ``events`` are committed before the
    reply and applied to the ledger afterwards, in order (ledger.receipts); ``apply_state``
    is "waiting" until then, "failed" when applying kept failing, and None once applied
    (``applied_at``) or when there was nothing to apply.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_backlog", "apply_state", "id"),
                      Index("ix_deliveries_server_store", "server_id", "store", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    store: Mapped[str] = mapped_column(String(32))
    received_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    status_code: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # accepted, duplicate, rejected
    reason: Mapped[str | None] = mapped_column(Text)
    transaction_id: Mapped[str | None] = mapped_column(String(128))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int | None] = mapped_column(Integer)  # bytes of the body received
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # verified deliveries only
    events: Mapped[str | None] = mapped_column(Text)  # the parsed events, to apply (JSON)
    apply_state: Mapped[str | None] = mapped_column(String(8))
    apply_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    apply_error: Mapped[str | None] = mapped_column(Text)
    applied_at = mapped_column(UTCDateTime)


class DeliveryKey(db.Model):
    """A deduplication key a received delivery claimed (a transaction id, a refund's event
    id): a copy whose keys are all claimed already is answered "duplicate" at once."""

    __tablename__ = "delivery_keys"
    __table_args__ = (UniqueConstraint("server_id", "store", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    store: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(160))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ReplayCopy(db.Model):
    """What replaying a refused delivery needs: its body and the headers its verification
    reads. Kept for the latest few refusals of each integration only (ledger.replay), so
    unauthenticated requests still cannot grow the database without bound."""

    __tablename__ = "replay_copies"
    __table_args__ = (Index("ix_replay_copies_integration", "server_id", "store", "delivery_id"),)

    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"),
                                             primary_key=True)
    server_id: Mapped[int] = mapped_column(Integer)
    store: Mapped[str] = mapped_column(String(32))
    headers: Mapped[dict] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class SignatureUse(db.Model):
    """Which transaction a signature was first accepted for, for stores whose signature does
    not cover the whole body (providers' SINGLE_USE_SIGNATURE: Donation Store)."""

    __tablename__ = "signature_uses"
    __table_args__ = (UniqueConstraint("server_id", "store", "signature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    store: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the value sent
    transaction_id: Mapped[str] = mapped_column(String(128))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DeliveryRejection(db.Model):
    """Refused deliveries counted per hour: those not logged one by one (unknown projectId,
    a store not connected, and refusals beyond the hourly log limit) and the rest alike.
    ``server_id`` 0: no such Server. No foreign key: counts outlive a deleted Server."""

    __tablename__ = "delivery_rejections"
    __table_args__ = (UniqueConstraint("server_id", "store", "hour", "status_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(Integer)
    store: Mapped[str] = mapped_column(String(32))
    hour = mapped_column(UTCDateTime, nullable=False)
    status_code: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=0)
    logged: Mapped[int] = mapped_column(Integer, default=0)  # of them, with a Delivery row
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
