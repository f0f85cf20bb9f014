from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow


class Purchase(db.Model):
    """A completed payment, recorded once per (Server, store, transaction id).

    ``amount_minor`` is the gross in minor units of ``currency`` and never changes;
    refunds and chargebacks are Adjustment rows, summed into ``reversed_minor``.
    """

    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("server_id", "store", "transaction_id"),
        Index("ix_purchases_network_time", "network_id", "purchased_at", "id"),
        Index("ix_purchases_server_time", "server_id", "purchased_at", "id"),
        Index("ix_purchases_server_username", "server_id", "username_key"),
        # The filtered purchase list (keyset on purchased_at, id). The Campaign and Creator
        # ones also serve lookups by those ids: a column of its own would be one more
        # index written by every purchase.
        Index("ix_purchases_network_store_time", "network_id", "store", "purchased_at", "id"),
        Index("ix_purchases_network_player_time", "network_id", "player_id", "purchased_at",
              "id"),
        Index("ix_purchases_campaign_time", "campaign_id", "purchased_at", "id"),
        Index("ix_purchases_creator_time", "creator_id", "purchased_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    store: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str] = mapped_column(String(128))
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64))
    player_id: Mapped[int | None] = mapped_column(ForeignKey("players.id", ondelete="SET NULL"),
                                                  index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("creators.id", ondelete="SET NULL"))
    coupon: Mapped[str | None] = mapped_column(String(64))
    uuid: Mapped[str | None] = mapped_column(String(36))
    email: Mapped[str | None] = mapped_column(String(254))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    purchased_at = mapped_column(UTCDateTime, nullable=False)
    received_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"))
    extra: Mapped[dict | None] = mapped_column(JSON)  # store-specific fields kept for reference

    items = relationship("PurchaseItem", back_populates="purchase", cascade="all, delete-orphan",
                         order_by="PurchaseItem.id")
    adjustments = relationship("Adjustment", back_populates="purchase",
                               cascade="all, delete-orphan", order_by="Adjustment.id")
    player = relationship("Player")
    campaign = relationship("Campaign")
    creator = relationship("Creator")
    server = relationship("Server")

    @property
    def net_minor(self) -> int:
        return self.amount_minor - (self.reversed_minor or 0)


class PurchaseItem(db.Model):
    __tablename__ = "purchase_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    total_minor: Mapped[int] = mapped_column(BigInteger)

    purchase = relationship("Purchase", back_populates="items")


REFUND = "refund"
CHARGEBACK = "chargeback"
LINK = "link"
UNLINK = "unlink"


class Adjustment(db.Model):
    """A correction to a purchase; the original row is never deleted or rewritten.

    ``amount_minor`` is the amount reversed (refund, chargeback) or 0 (link, unlink).
    ``user_id`` is who made it; NULL means a store delivered it. ``external_id`` makes
    store-sent reversals idempotent.
    """

    __tablename__ = "adjustments"
    __table_args__ = (UniqueConstraint("purchase_id", "kind", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict | None] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    purchase = relationship("Purchase", back_populates="adjustments")
    user = relationship("User")
