"""What an owner spent on a Campaign: an amount in one currency over one day or a range of
days (spread evenly over them, see ledger.costs). A deleted cost keeps its row (``deleted_at``)
so its history stays; every change leaves a ``CostChange`` with who and when."""
from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow

CREATED, EDITED, DELETED = "created", "edited", "deleted"


class Cost(db.Model):
    __tablename__ = "campaign_costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    first_day = mapped_column(Date, nullable=False)
    last_day = mapped_column(Date, nullable=False)  # inclusive; = first_day for one day
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    deleted_at = mapped_column(UTCDateTime)

    campaign = relationship("Campaign")
    changes = relationship("CostChange", back_populates="cost", cascade="all, delete-orphan",
                           order_by="CostChange.id")


class CostChange(db.Model):
    """One change to a cost: who (an email, or the command line), when, and the values it left."""

    __tablename__ = "campaign_cost_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cost_id: Mapped[int] = mapped_column(ForeignKey("campaign_costs.id", ondelete="CASCADE"),
                                         index=True)
    action: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(254))
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    first_day = mapped_column(Date, nullable=False)
    last_day = mapped_column(Date, nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the record outlives the user

    cost = relationship("Cost", back_populates="changes")
