from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow


class Server(db.Model):
    """A game server. ``project_id`` is public (it appears in webhook URLs)."""

    __tablename__ = "servers"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    project_id: Mapped[str] = mapped_column(String(40), unique=True)
    # SHA-256 hex of the plugin API key; the key itself is shown once and never stored.
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    network = relationship("Network", back_populates="servers")
    integrations = relationship("Integration", back_populates="server", cascade="all, delete-orphan",
                                passive_deletes=True)
