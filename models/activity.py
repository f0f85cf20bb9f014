"""Player activity: who was present on which UTC day, and the per-day rollup of joins.

``PlayerDay`` is the raw record: one row per player per UTC day they joined, with how many
joins. ``ActivityDay`` is derived from it (ledger.activity keeps it in the join's transaction
and can rebuild it): per Server, day and the Campaign that first brought the player,

* ``joins``             — every join that day;
* ``new_players``       — players whose first join ever was that day;
* ``returning_players`` — players who joined that day and were first seen on an earlier
  day, each counted once that day;
* ``buyers``            — of the players new that day, those who have bought (ever);
* ``came_back``         — of the players new that day, those who joined again on a later day.

The last two are counted on the player's first day, so a period's sum over days is exact:
"of the players it brought in the period, how many bought / came back".

``CohortMonth`` is the net that the players first seen in ``month`` spent in ``paid_month``,
per Server, Campaign and currency (kept by ledger.outcomes): the cohort table.

``campaign_id`` 0 stands for "no Campaign" (organic), as ``ref_id`` does in RevenueDay, so
the unique key covers every row. No foreign keys: a deleted Campaign or Server is handled by
the recount job (ledger.jobs), like the revenue rollups.
"""
from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

ORGANIC = 0


class PlayerDay(db.Model):
    __tablename__ = "player_days"

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id", ondelete="CASCADE"),
                                           primary_key=True)
    day = mapped_column(Date, primary_key=True)
    joins: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_player_days_day", "day"),)


class ActivityDay(db.Model):
    __tablename__ = "activity_days"
    __table_args__ = (UniqueConstraint("server_id", "day", "campaign_id"),
                      Index("ix_activity_days_network", "network_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(Integer)
    day = mapped_column(Date, nullable=False)
    campaign_id: Mapped[int] = mapped_column(Integer)
    joins: Mapped[int] = mapped_column(Integer, default=0)
    new_players: Mapped[int] = mapped_column(Integer, default=0)
    returning_players: Mapped[int] = mapped_column(Integer, default=0)
    buyers: Mapped[int] = mapped_column(Integer, default=0)
    came_back: Mapped[int] = mapped_column(Integer, default=0)


class CohortMonth(db.Model):
    __tablename__ = "cohort_months"
    __table_args__ = (UniqueConstraint("server_id", "campaign_id", "month", "paid_month",
                                       "currency"),
                      Index("ix_cohort_months_network", "network_id", "campaign_id", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int] = mapped_column(Integer)
    month = mapped_column(Date, nullable=False)  # the 1st of the month of the first join
    paid_month = mapped_column(Date, nullable=False)  # the 1st of the month of the purchase
    currency: Mapped[str] = mapped_column(String(3))
    net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
