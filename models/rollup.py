"""Revenue rollups, maintained by the ledger inside the same transaction as the purchase.

``RevenueDay`` counts every purchase once under each of three dimensions, so a page
can sum one dimension without double counting:

* ``matched``  — ref_id 1 when the purchase has a Player, 0 when Unmatched (headline totals)
* ``campaign`` — ref_id is the Campaign id, 0 for none
* ``creator``  — ref_id is the Creator id, 0 for none

0 stands for "none" so the unique constraint covers every row. Reversals are booked
on the purchase's own day (figures are by purchase date). ``ItemDay`` holds gross item
totals. Both keep two spans: ``day`` rows and ``month`` rows (``day`` is then the 1st of
the month), so a long period reads whole months plus the days at its edges.

``Buyer`` and ``BuyerDay`` count unique buyers (see ledger.rollups): server_id 0 means
"all Servers of the Network" and store "" means "all stores".
"""
from sqlalchemy import BigInteger, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

MATCHED = "matched"
CAMPAIGN = "campaign"
CREATOR = "creator"
DIMENSIONS = (MATCHED, CAMPAIGN, CREATOR)
DAY = "day"
MONTH = "month"
SPANS = (DAY, MONTH)
ALL_SERVERS = 0
ALL_STORES = ""


class _SpanRow:
    """The columns every per-day / per-month rollup row starts with. No foreign keys: rollups
    are derived data, rebuilt by ledger.rollups.rebuild_rollups()."""

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(Integer)
    span: Mapped[str] = mapped_column(String(5))
    day = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3))
    store: Mapped[str] = mapped_column(String(32))


class RevenueDay(_SpanRow, db.Model):
    __tablename__ = "revenue_days"
    __table_args__ = (
        UniqueConstraint("server_id", "span", "day", "currency", "store", "dimension", "ref_id"),
        Index("ix_revenue_days_network", "network_id", "dimension", "span", "day"),
    )

    dimension: Mapped[str] = mapped_column(String(8))
    ref_id: Mapped[int] = mapped_column(Integer)
    purchases: Mapped[int] = mapped_column(Integer, default=0)
    gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    chargeback_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class ItemDay(_SpanRow, db.Model):
    __tablename__ = "item_days"
    __table_args__ = (
        UniqueConstraint("server_id", "span", "day", "currency", "store", "name"),
        Index("ix_item_days_network", "network_id", "span", "day"),
    )

    name: Mapped[str] = mapped_column(String(200))
    purchases: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class Buyer(db.Model):
    """A buyer's last purchase day, per (Network, Server or 0, store or "", currency)."""

    __tablename__ = "revenue_buyers"
    __table_args__ = (UniqueConstraint("network_id", "server_id", "store", "currency",
                                       "buyer_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(Integer)
    store: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    buyer_key: Mapped[str] = mapped_column(String(64))
    last_day = mapped_column(Date, nullable=False)


class BuyerDay(db.Model):
    """How many buyers (of that scope) made their last purchase on ``day``.

    Buyers since day D = the sum over days >= D: one row per day, however many buyers.
    """

    __tablename__ = "revenue_buyer_days"
    __table_args__ = (UniqueConstraint("network_id", "server_id", "store", "currency", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(Integer)
    store: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    day = mapped_column(Date, nullable=False)
    buyers: Mapped[int] = mapped_column(Integer, default=0)
