from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import NetworkNamed


class Campaign(NetworkNamed, db.Model):
    """Something that brings players in: join hostnames and/or a code (optional)."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("network_id", "code_key"),)
    code: Mapped[str | None] = mapped_column(String(64))
    code_key: Mapped[str | None] = mapped_column(String(64))

    hostnames = relationship("CampaignHostname", back_populates="campaign",
                             cascade="all, delete-orphan", order_by="CampaignHostname.hostname")


class CampaignHostname(db.Model):
    __tablename__ = "campaign_hostnames"
    __table_args__ = (UniqueConstraint("network_id", "hostname"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    hostname: Mapped[str] = mapped_column(String(253))  # stored folded

    campaign = relationship("Campaign", back_populates="hostnames")
