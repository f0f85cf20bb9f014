"""Who joined when: presence per player and UTC day (PlayerDay) and the per-day activity
rollup (ActivityDay), both kept in the transaction that records the joins.

``count_joins(conn, network_id, server_id, visits, day)`` is called by ledger.players
after the joins' Players are flushed. Each visit is (player_id, campaign_id, first_day,
created).
A visit inserts the player's presence row for ``day`` (INSERT ... ON CONFLICT DO NOTHING
RETURNING says whether it is the player's first join that day) or adds a join to it. The
first join of a day makes the player *new* that day when ``day`` is their first day, and
*returning* otherwise; later joins that day only count as joins. The unique key of the
presence row makes this exact under concurrent joins of one player, on SQLite and
PostgreSQL. Figures are credited to the Campaign that first brought the player
(Player.campaign_id), so a Campaign's returning players are the players it brought who
came back.

``rebuild_activity(network_id)`` recomputes the rollup from PlayerDay and Player: after a
Server or Campaign is deleted (the recount job) and in the tests, as the reference.
"""
from collections import Counter
from datetime import date, timezone

from sqlalchemy import case, delete, func, select

from extensions import db
from ledger import outcomes, prepared
from models import ActivityDay, Player, PlayerDay, Server
from models.activity import ORGANIC


def count_joins(conn, network_id: int, server_id: int, visits: list[tuple], day: date) -> None:
    """Record one join per visit (player_id, campaign_id, first_day, created) on ``day``;
    ``created``: the Player was inserted by this transaction."""
    totals: dict[int, Counter] = {}
    insert_presence = prepared.INSERT_PRESENCE[conn.dialect.name]
    present, fresh, again, back = set(), [], [], []
    for player_id, campaign_id, first_day, created in visits:
        counts = totals.setdefault(campaign_id or ORGANIC, Counter())
        counts["joins"] += 1
        row = {"player_id": player_id, "day": day, "joins": 1}
        if player_id in present:
            again.append(row)
        elif created:  # inserted by this transaction: it has no presence anywhere yet
            fresh.append(row)
            counts["new_players"] += 1
        elif insert_presence.execute(conn, row).fetchone():
            counts["new_players" if first_day >= day else "returning_players"] += 1
            if first_day < day:
                back.append(outcomes.came_back(conn, network_id, server_id, player_id,
                                               campaign_id, first_day, day))
        else:
            again.append(row)
        present.add(player_id)
    insert_presence.execute_many(conn, fresh)
    prepared.COUNT_JOIN.execute_many(conn, again)
    rows = [row for _, row in filter(None, back)] + [
        {"network_id": network_id, "server_id": server_id, "day": day, "campaign_id": campaign,
         **{name: counts[name] for name in prepared.ACTIVITY_MEASURES}}
        for campaign, counts in totals.items()]
    prepared.UPSERT[ActivityDay][conn.dialect.name].execute_many(
        conn, sorted(rows, key=prepared.KEY[ActivityDay]))  # key order: see ledger.rollups


def first_day(player: Player) -> date:
    return player.first_seen.astimezone(timezone.utc).date()


def rebuild_activity(network_id: int | None = None) -> None:
    """Recompute ActivityDay rows (of one Network, or all) from presence and players, after
    the players' outcomes and the cohorts (ledger.outcomes.rebuild)."""
    outcomes.rebuild(network_id)
    statement = delete(ActivityDay)
    if network_id is not None:
        statement = statement.where(ActivityDay.network_id == network_id)
    db.session.execute(statement)
    first = func.date(Player.first_seen)
    keys = (Server.network_id, Player.server_id, PlayerDay.day,
            func.coalesce(Player.campaign_id, ORGANIC))
    on_first_day = PlayerDay.day == first

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    query = (select(*keys, func.sum(PlayerDay.joins), count(PlayerDay.day <= first),
                    count(PlayerDay.day > first),
                    count(on_first_day & Player.seconds_to_purchase.is_not(None)),
                    count(on_first_day & Player.came_back_on.is_not(None)))
             .join(Player, Player.id == PlayerDay.player_id))
    outcomes.insert_per_player(ActivityDay, (
        "network_id", "server_id", "day", "campaign_id", "joins", "new_players",
        "returning_players", "buyers", "came_back"), query, keys, network_id)
