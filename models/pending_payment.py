from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow

PENDING = "pending"
PAID = "paid"
EXPIRED = "expired"
CHARGED_BACK = "charged_back"


class PendingPayment(db.Model):
    """A CraftingStore payment for which Tally is the gateway (see ledger.gateway).

    Created by CraftingStore's PENDING callback; completed (a Purchase recorded) when
    CraftingStore accepts Tally's confirmation or sends PAID. ``status`` is stored as
    pending/paid/charged_back; "expired" is computed on read (pending for over 7 days,
    when CraftingStore drops it), see ``ledger.gateway.status_of``.
    """

    __tablename__ = "pending_payments"
    __table_args__ = (
        UniqueConstraint("server_id", "transaction_id"),
        Index("ix_pending_payments_server_time", "server_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    transaction_id: Mapped[str] = mapped_column(String(128))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    package_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    identifier: Mapped[str | None] = mapped_column(String(128))  # CraftingStore's basket id
    username: Mapped[str | None] = mapped_column(String(64))
    # The payment page the buyer was sent to, kept so a repeated PENDING gets the same answer.
    payment_url: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict | None] = mapped_column(JSON)  # successUrl / failedUrl
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    paid_at = mapped_column(UTCDateTime)
    charged_back_at = mapped_column(UTCDateTime)
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id", ondelete="SET NULL"))
    # Tally -> CraftingStore confirmation: how often we tried and what the store said last.
    confirm_attempts: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at = mapped_column(UTCDateTime)
    last_confirm_at = mapped_column(UTCDateTime)
    last_answer: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)

    server = relationship("Server")
    purchase = relationship("Purchase")
