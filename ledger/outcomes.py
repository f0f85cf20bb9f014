"""What the players a Campaign brought did afterwards: whether they bought, whether they came
back, and what they spent in each month after their first join (the cohort table).

Kept in the same transaction as the purchase or join that changes them, like the rollups:

* ``Player.seconds_to_purchase`` — from their first join to their earliest purchase (whole
  seconds; negative when they bought before joining); the first purchase makes them a buyer,
  one more in ``ActivityDay.buyers`` on their first day;
* ``Player.came_back_on`` — their first join on a later day than their first; it counts one
  in ``ActivityDay.came_back`` on their first day;
* ``CohortMonth`` — the net of their purchases by month of first join and month paid.

Because both counts sit on the player's first day, "of the players brought in a period, how
many bought / came back" is a sum over the period's days, however many players there are.
The conditional UPDATEs (``... WHERE seconds_to_purchase IS NULL``) decide who counts a player,
so two transactions never both do.

The functions return rollup rows for the caller to add (ledger.rollups._bump or the activity
upsert), so this module knows nothing of batching. ``rebuild(network_id)`` recomputes it all
from purchases and presence: the reference for the tests and the recount job.
"""
import math
from datetime import date, datetime, timezone
from typing import NamedTuple

from sqlalchemy import delete, func, insert, select, update

from extensions import db
from ledger import prepared
from ledger.periods import epoch_seconds, month_sql
from models import ActivityDay, CohortMonth, Player, PlayerDay, Purchase, Server
from models.activity import ORGANIC


def purchase_linked(conn, purchase, net_minor: int) -> list[tuple]:
    """A purchase now belongs to ``purchase.player_id``: its net joins the player's cohort and
    it may be their first purchase. Returns [(model, row)] to add."""
    player = _player(conn, purchase)
    if player is None:
        return []
    changes = [_cohort(player, purchase, net_minor)]
    wait = {"player_id": purchase.player_id,
            "seconds": seconds_between(player.first_seen, purchase.purchased_at)}
    if player.seconds is None and prepared.MARK_BOUGHT.execute(conn, wait).rowcount:
        changes.append(activity_row(player.key, buyers=1))
    elif player.seconds is None or wait["seconds"] < player.seconds:
        prepared.EARLIER_BOUGHT.execute(conn, wait)
    return changes


def purchase_unlinked(conn, purchase, net_minor: int) -> list[tuple]:
    """A purchase is about to leave ``purchase.player_id``: its net leaves their cohort, and
    their first purchase is found again among the others (none left: not a buyer any more)."""
    player = _player(conn, purchase)
    if player is None:
        return []
    rest = conn.execute(select(func.min(Purchase.purchased_at)).where(  # (network, player) index
        Purchase.network_id == purchase.network_id, Purchase.player_id == purchase.player_id,
        Purchase.id != purchase.id)).scalar()
    conn.execute(update(Player).where(Player.id == purchase.player_id).values(
        seconds_to_purchase=None if rest is None else seconds_between(player.first_seen, rest)))
    changes = [_cohort(player, purchase, -net_minor)]
    return changes + ([activity_row(player.key, buyers=-1)] if rest is None else [])


def net_changed(conn, purchase, delta_minor: int) -> list[tuple]:
    """A refund or chargeback of a player's purchase: its cohort's net changes."""
    player = _player(conn, purchase)
    return [] if player is None else [_cohort(player, purchase, delta_minor)]


def came_back(conn, network_id: int, server_id: int, player_id: int, campaign_id: int | None,
              first_day: date, day: date) -> tuple | None:
    """A player's first join of ``day``, a later day than their first: the first such day
    counts them as come back. Returns the (model, row) to add, or None."""
    if not prepared.MARK_CAME_BACK.execute(conn, {"player_id": player_id, "day": day}).rowcount:
        return None
    return activity_row((network_id, server_id, campaign_id or ORGANIC, first_day), came_back=1)


def activity_row(player: tuple, **measures) -> tuple:
    network_id, server_id, campaign, first_day = player
    return ActivityDay, {"network_id": network_id, "server_id": server_id, "day": first_day,
                         "campaign_id": campaign,
                         **{name: measures.get(name, 0) for name in prepared.ACTIVITY_MEASURES}}


def seconds_between(earlier: datetime, later: datetime) -> int:
    """Whole seconds from one moment to another, as SQL's ``epoch_seconds`` differences give."""
    return math.floor(later.timestamp()) - math.floor(earlier.timestamp())


class _Player(NamedTuple):
    key: tuple  # (network, Server, Campaign or ORGANIC, first day): their ActivityDay row
    first_seen: datetime
    seconds: int | None  # to their first purchase


def _player(conn, purchase) -> _Player | None:
    found = prepared.PLAYER_OUTCOME.rows(conn, {"player_id": purchase.player_id})
    if not found:
        return None
    server_id, campaign_id, first_seen, seconds = found[0]
    return _Player((purchase.network_id, server_id, campaign_id or ORGANIC, _utc_day(first_seen)),
                   first_seen, seconds)


def _cohort(player: _Player, purchase, net_minor: int) -> tuple:
    network_id, server_id, campaign, first_day = player.key
    paid = _utc_day(purchase.purchased_at)
    return CohortMonth, {"network_id": network_id, "server_id": server_id,
                         "campaign_id": campaign, "month": first_day.replace(day=1),
                         "paid_month": paid.replace(day=1), "currency": purchase.currency,
                         "net_minor": net_minor}


def _utc_day(moment) -> date:
    return moment.astimezone(timezone.utc).date()


# --- from scratch ---------------------------------------------------------------------------

def rebuild(network_id: int | None = None) -> None:
    """Recompute the players' first purchase and first day back, and the cohort rows, of one
    Network (or all) from purchases and presence. ``ledger.activity.rebuild_activity`` then
    counts buyers and came-back players from the players."""
    its_network = select(Server.network_id).where(Server.id == Player.server_id).correlate(Player)
    players = update(Player).values(
        seconds_to_purchase=select(  # the purchases' (network, player) index
            func.min(epoch_seconds(Purchase.purchased_at)) - epoch_seconds(Player.first_seen))
        .where(Purchase.network_id == its_network.scalar_subquery(),
               Purchase.player_id == Player.id).scalar_subquery(),
        came_back_on=select(func.min(PlayerDay.day)).where(
            PlayerDay.player_id == Player.id, PlayerDay.day > func.date(Player.first_seen))
        .scalar_subquery())
    cohorts = delete(CohortMonth)
    if network_id is not None:
        players = players.where(Player.server_id.in_(
            select(Server.id).where(Server.network_id == network_id)))
        cohorts = cohorts.where(CohortMonth.network_id == network_id)
    db.session.execute(players)
    db.session.execute(cohorts)
    keys = (Server.network_id, Player.server_id, func.coalesce(Player.campaign_id, ORGANIC),
            month_sql(Player.first_seen), month_sql(Purchase.purchased_at), Purchase.currency)
    insert_per_player(CohortMonth, ("network_id", "server_id", "campaign_id", "month",
                                    "paid_month", "currency", "net_minor"),
                      select(*keys, func.sum(Purchase.amount_minor - Purchase.reversed_minor))
                      .join(Player, Player.id == Purchase.player_id), keys, network_id)


def insert_per_player(model, columns: tuple, query, keys: tuple, network_id: int | None):
    """INSERT INTO ``model`` the rows of ``query`` (which joins Player) grouped by ``keys``, of
    one Network's Servers or all."""
    query = query.join(Server, Server.id == Player.server_id).group_by(*keys)
    if network_id is not None:
        query = query.where(Server.network_id == network_id)
    db.session.execute(insert(model).from_select(columns, query))
