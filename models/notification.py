"""Where a Network's owners want to be told about money: Discord channels and their own
webhook endpoints. URLs and secrets are stored encrypted (a Discord webhook URL is itself
a credential: whoever has it can post to the channel)."""
from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import UTCDateTime, utcnow

PURCHASES, REVERSALS, FAILING = "purchases", "reversals", "failing"
TOPICS = (PURCHASES, REVERSALS, FAILING)


class DiscordAlert(db.Model):
    __tablename__ = "discord_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            index=True)
    url_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    url_hint: Mapped[str] = mapped_column(String(80))  # host and webhook id, never the token
    server_ids: Mapped[list | None] = mapped_column(JSON)  # None: every Server
    topics: Mapped[list] = mapped_column(JSON)  # of TOPICS
    min_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    min_currency: Mapped[str | None] = mapped_column(String(3))
    template: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class WebhookEndpoint(db.Model):
    """An owner's own endpoint, sent Standard Webhooks (webhook-id, -timestamp, -signature)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    topics: Mapped[list] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    secret_rotated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
