from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow


class Player(db.Model):
    """A player as seen by one Server. The originating Campaign is set on first join only."""

    __tablename__ = "players"
    __table_args__ = (UniqueConstraint("server_id", "username_key"),
                      Index("ix_players_server_uuid", "server_id", "uuid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32))
    uuid: Mapped[str | None] = mapped_column(String(36))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"),
                                                    index=True)
    first_seen = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_seen = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    campaign = relationship("Campaign")
