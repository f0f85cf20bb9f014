from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow


class Player(db.Model):
    """A player as seen by one Server. The originating Campaign is set on first join only.

    ``seconds_to_purchase`` (from first join to earliest purchase; negative when that came
    first) and ``came_back_on`` (their first join on a later day than the first) are kept by
    ledger.outcomes, for the Campaign funnel.
    """

    __tablename__ = "players"
    __table_args__ = (UniqueConstraint("server_id", "username_key"),
                      Index("ix_players_server_uuid", "server_id", "uuid"),
                      Index("ix_players_campaign_wait", "campaign_id", "seconds_to_purchase",
                            "first_seen", "server_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32))
    uuid: Mapped[str | None] = mapped_column(String(36))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    first_seen = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_seen = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    seconds_to_purchase: Mapped[int | None] = mapped_column(BigInteger)
    came_back_on = mapped_column(Date, nullable=True)

    campaign = relationship("Campaign")
