"""Player activity: who was present on which UTC day, and the per-day rollup of joins.

``PlayerDay`` is the raw record: one row per player per UTC day they joined, with how many
joins. ``ActivityDay`` is derived from it (ledger.activity keeps it in the join's transaction
and can rebuild it): per Server, day and the Campaign that first brought the player,

* ``joins``             — every join that day;
* ``new_players``       — players whose first join ever was that day;
* ``returning_players`` — players who joined that day and were first seen on an earlier
  day, each counted once that day.

``campaign_id`` 0 stands for "no Campaign" (organic), as ``ref_id`` does in RevenueDay, so
the unique key covers every row. No foreign keys: a deleted Campaign or Server is handled by
the recount job (ledger.jobs), like the revenue rollups.
"""
from sqlalchemy import Date, ForeignKey, Index, Integer, UniqueConstraint
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
