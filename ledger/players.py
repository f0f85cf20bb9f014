"""Players: joins reported by the game server plugin, and the Players page query.

A player's originating Campaign is decided on the first join and never changes. Joins come
parsed and checked whole (providers.plugin_api.parse_joins); the caller commits. Every join
also counts in the player's presence and the activity rollup (ledger.activity), in the same
transaction.
"""
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from extensions import db
from ledger import activity
from ledger.campaigns import normalize_hostname
from ledger.purchases import find_player, rematch_unmatched
from models import Campaign, CampaignHostname, Player, Server
from models.base import fold, utcnow


@dataclass(frozen=True)
class JoinResult:
    players: int
    created: int
    rematched: int


def record_joins(server: Server, joins: list, now=None) -> JoinResult:
    """Create or update the Player of every join, count the joins (ledger.activity), then
    re-match their Unmatched purchases. ``now``: when the joins happened (default: now)."""
    now = now or utcnow()
    campaign_for = _campaign_resolver(server.network_id, joins)
    players = _existing(server.id, {fold(join.username) for join in joins})
    created = 0
    joined = []  # (player, inserted by this call)
    for join in joins:
        player = players.get(fold(join.username))
        if player is None:
            player, new = _insert(server, join, campaign_for(join), now)
            players[player.username_key] = player
            joined.append((player, new))
            if new:
                created += 1
                continue
        else:
            joined.append((player, False))
        player.username, player.last_seen = join.username, max(player.last_seen, now)
        if join.uuid:
            player.uuid = join.uuid
    db.session.flush()
    activity.count_joins(db.session.connection(), server.network_id, server.id,
                         [(p.id, p.campaign_id, activity.first_day(p), new)
                          for p, new in joined],
                         now.astimezone(timezone.utc).date())
    rematched = rematch_unmatched(*players.values())
    return JoinResult(players=len(players), created=created, rematched=rematched)


def _existing(server_id: int, keys: set[str]) -> dict[str, Player]:
    found = db.session.scalars(select(Player).filter(Player.server_id == server_id,
                                                     Player.username_key.in_(keys)))
    return {player.username_key: player for player in found}


def _insert(server: Server, join, campaign_id: int | None, now) -> tuple[Player, bool]:
    """Insert in a savepoint; when a concurrent join inserted the same player first, use theirs."""
    player = Player(server_id=server.id, username=join.username, username_key=fold(join.username),
                    uuid=join.uuid, campaign_id=campaign_id, first_seen=now, last_seen=now)
    try:
        with db.session.begin_nested():
            db.session.add(player)
            db.session.flush()
    except IntegrityError:
        existing = find_player(server.id, join.username)
        if existing is None:
            raise
        return existing, False
    return player, True


def _campaign_resolver(network_id: int, joins: list):
    """join -> Campaign id: an explicit code wins over the hostname the player typed (any
    case, with or without a port); unknown ones give None."""
    hosts = {normalize_hostname(join.hostname) for join in joins if join.hostname}
    codes = {fold(join.campaign) for join in joins if join.campaign}
    by_host = dict(db.session.execute(
        select(CampaignHostname.hostname, CampaignHostname.campaign_id)
        .filter(CampaignHostname.network_id == network_id,
                CampaignHostname.hostname.in_(hosts))).all())
    by_code = dict(db.session.execute(select(Campaign.code_key, Campaign.id)
                                      .filter(Campaign.network_id == network_id,
                                              Campaign.code_key.in_(codes))).all())
    return lambda join: by_code.get(fold(join.campaign or "")) or \
        by_host.get(normalize_hostname(join.hostname or ""))


def search_players(server: Server, query: str = "", page: int = 1, per_page: int = 50):
    """The Server's players, most recently seen first, optionally filtered by part of the name."""
    stmt = (select(Player).filter_by(server_id=server.id).options(joinedload(Player.campaign))
            .order_by(Player.last_seen.desc(), Player.id.desc()))
    if query.strip():
        stmt = stmt.filter(Player.username_key.contains(fold(query), autoescape=True))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
