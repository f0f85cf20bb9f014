from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import UTCDateTime, utcnow

RATE_SCALE = 10 ** 9


class ExchangeRate(db.Model):
    """Entered by the owner: one unit of ``currency`` is worth ``rate_nanos`` / 10^9 units of
    the Network's display currency. Stored as an integer so the rate is exact."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("network_id", "currency"),
                      CheckConstraint("rate_nanos > 0", name="positive_rate"))

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    rate_nanos: Mapped[int] = mapped_column(BigInteger)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
