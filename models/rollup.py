"""Revenue rollups, maintained by the ledger inside the same transaction as the purchase.

``RevenueDay`` counts every purchase once under each of three dimensions, so a page
can sum one dimension without double counting:

* ``matched``  — ref_id 1 when the purchase has a Player, 0 when Unmatched (headline totals)
* ``campaign`` — ref_id is the Campaign id, 0 for none
* ``creator``  — ref_id is the Creator id, 0 for none

0 stands for "none" so the unique constraint covers every row. Reversals are booked
on the purchase's own day (figures are by purchase date). ``ItemDay`` holds gross item
totals; ``Buyer`` holds each buyer's first and last purchase day (see ledger.rollups).
"""
from sqlalchemy import BigInteger, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.purchase import Purchase

MATCHED = "matched"
CAMPAIGN = "campaign"
CREATOR = "creator"
DIMENSIONS = (MATCHED, CAMPAIGN, CREATOR)


class RevenueDay(db.Model):
    __tablename__ = "revenue_days"
    __table_args__ = (
        UniqueConstraint("server_id", "day", "currency", "store", "dimension", "ref_id"),
        Index("ix_revenue_days_network", "network_id", "dimension", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys: rollups are derived data, rebuilt by ledger.rollups.rebuild_rollups().
    network_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(Integer)
    day = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3))
    store: Mapped[str] = mapped_column(String(32))
    dimension: Mapped[str] = mapped_column(String(8))
    ref_id: Mapped[int] = mapped_column(Integer)
    purchases: Mapped[int] = mapped_column(Integer, default=0)
    gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    chargeback_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class ItemDay(db.Model):
    __tablename__ = "item_days"
    __table_args__ = (
        UniqueConstraint("server_id", "day", "currency", "store", "name"),
        Index("ix_item_days_network", "network_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(Integer)
    day = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3))
    store: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    purchases: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class Buyer(db.Model):
    """One row per (Server, currency, store, buyer): unique buyers since a day is a count here."""

    __tablename__ = "revenue_buyers"
    __table_args__ = (
        UniqueConstraint("server_id", "currency", "store", "buyer_key"),
        Index("ix_revenue_buyers_network", "network_id", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    store: Mapped[str] = mapped_column(String(32))
    buyer_key: Mapped[str] = mapped_column(String(64))
    first_day = mapped_column(Date, nullable=False)
    last_day = mapped_column(Date, nullable=False)


# Indexes for the filtered purchase list (keyset on purchased_at, id). They live here so
# models/purchase.py stays untouched; Campaign and Creator ids already imply the Network.
Index("ix_purchases_network_store_time", Purchase.network_id, Purchase.store,
      Purchase.purchased_at, Purchase.id)
Index("ix_purchases_network_player_time", Purchase.network_id, Purchase.player_id,
      Purchase.purchased_at, Purchase.id)
Index("ix_purchases_campaign_time", Purchase.campaign_id, Purchase.purchased_at, Purchase.id)
Index("ix_purchases_creator_time", Purchase.creator_id, Purchase.purchased_at, Purchase.id)
