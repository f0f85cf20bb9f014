from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import NetworkNamed, UTCDateTime, utcnow


class Creator(NetworkNamed, db.Model):
    """A content creator whose code (required) buyers enter at checkout."""

    __tablename__ = "creators"
    __table_args__ = (UniqueConstraint("network_id", "code_key"),)
    code: Mapped[str] = mapped_column(String(64))
    code_key: Mapped[str] = mapped_column(String(64))


class CreatorBuyer(db.Model):
    """A buyer (folded username) who used a Creator's code at least once: the Creator page's
    buyer count is a count of these rows (kept by ledger.rollups)."""

    __tablename__ = "creator_buyers"

    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"),
                                            primary_key=True)
    buyer_key: Mapped[str] = mapped_column(String(64), primary_key=True)


class CommissionRate(db.Model):
    """A Creator's commission from ``starts_on`` (a UTC day) until the next rate starts, in
    hundredths of a percent (1250: 12.5 %)."""

    __tablename__ = "commission_rates"
    __table_args__ = (UniqueConstraint("creator_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"),
                                            index=True)
    basis_points: Mapped[int] = mapped_column(Integer)
    starts_on = mapped_column(Date, nullable=False)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class StatementPayment(db.Model):
    """A month's statement marked paid: who, when, a note, and what was paid (its lines)."""

    __tablename__ = "statement_payments"
    __table_args__ = (UniqueConstraint("creator_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"),
                                            index=True)
    month = mapped_column(Date, nullable=False)  # the 1st of the month
    paid_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    lines = relationship("StatementLine", cascade="all, delete-orphan",
                         order_by="StatementLine.id")
    payer = relationship("User")


class StatementLine(db.Model):
    """One amount a payment covered: the month's own commission (``for_month`` is the
    payment's month) or an adjustment to an earlier paid month (a refund that came later)."""

    __tablename__ = "statement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("statement_payments.id",
                                                       ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    for_month = mapped_column(Date, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
