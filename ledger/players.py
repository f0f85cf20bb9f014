"""Players: joins reported by the game server plugin, and the Players page query.

A player's originating Campaign is decided on the first join and never changes.
Joins are checked whole (``parse_joins``) before anything is written; the caller commits.
"""
import re
import uuid as uuidlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from extensions import db
from ledger.campaigns import normalize_hostname
from ledger.purchases import find_player, rematch_unmatched
from models import Campaign, CampaignHostname, Player, Server
from models.base import fold, utcnow

MAX_JOINS = 1000
# Java names (3-16 of A-Z a-z 0-9 _), optionally with a Bedrock prefix such as ".Name" or "*Name".
USERNAME = re.compile(r"[.*]?[A-Za-z0-9_]{3,16}")
UUID = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
FIELD_LIMITS = {"username": 17, "uuid": 36, "hostname": 300, "campaign": 64}


class JoinError(ValueError):
    """The request is unusable; the message names the entry and field."""


@dataclass(frozen=True)
class Join:
    username: str
    uuid: str | None = None
    hostname: str | None = None  # normalized: no port, folded
    campaign: str | None = None  # a Campaign code, as sent


@dataclass(frozen=True)
class JoinResult:
    players: int
    created: int
    rematched: int


def parse_joins(payload) -> list[Join]:
    """One join object, or a list of 1 to MAX_JOINS of them."""
    if isinstance(payload, dict):
        return [_parse_join(payload, "")]
    if not isinstance(payload, list):
        raise JoinError("the body must be a JSON object or a list of objects")
    if not payload:
        raise JoinError("the list of joins is empty")
    if len(payload) > MAX_JOINS:
        raise JoinError(f"at most {MAX_JOINS} joins per request, got {len(payload)}")
    return [_parse_join(item, f"[{index}].") for index, item in enumerate(payload)]


def _parse_join(item, where: str) -> Join:
    if not isinstance(item, dict):
        raise JoinError(f"{where.rstrip('.')}: must be an object")
    values = {name: _text(item.get(name), where + name, limit) for name, limit in FIELD_LIMITS.items()}
    if values["username"] is None or not USERNAME.fullmatch(values["username"]):
        raise JoinError(f"{where}username: must be a Minecraft username (3-16 letters, digits "
                        "or _, optionally after one . or *)")
    if values["uuid"] is not None and not UUID.fullmatch(values["uuid"]):
        raise JoinError(f"{where}uuid: must be 32 hex digits or a dashed UUID")
    return Join(username=values["username"],
                uuid=str(uuidlib.UUID(values["uuid"])) if values["uuid"] else None,
                hostname=normalize_hostname(values["hostname"] or "") or None,
                campaign=(values["campaign"] or "").strip() or None)


def _text(value, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise JoinError(f"{name}: must be a string")
    if len(value) > limit:
        raise JoinError(f"{name}: at most {limit} characters")
    return value


def record_joins(server: Server, joins: list[Join]) -> JoinResult:
    """Create or update the Player of every join, then re-match their Unmatched purchases."""
    now = utcnow()
    campaign_for = _campaign_resolver(server.network_id, joins)
    players = _existing(server.id, {fold(join.username) for join in joins})
    created = 0
    for join in joins:
        player = players.get(fold(join.username))
        if player is None:
            player, new = _insert(server, join, campaign_for(join), now)
            players[player.username_key] = player
            if new:
                created += 1
                continue
        player.username, player.last_seen = join.username, now
        if join.uuid:
            player.uuid = join.uuid
    db.session.flush()
    rematched = rematch_unmatched(*players.values())
    return JoinResult(players=len(players), created=created, rematched=rematched)


def _existing(server_id: int, keys: set[str]) -> dict[str, Player]:
    found = db.session.scalars(select(Player).filter(Player.server_id == server_id,
                                                     Player.username_key.in_(keys)))
    return {player.username_key: player for player in found}


def _insert(server: Server, join: Join, campaign_id: int | None, now) -> tuple[Player, bool]:
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


def _campaign_resolver(network_id: int, joins: list[Join]):
    """join -> Campaign id: an explicit code wins over the join hostname; unknown ones give None."""
    hosts = {join.hostname for join in joins if join.hostname}
    codes = {fold(join.campaign) for join in joins if join.campaign}
    by_host = dict(db.session.execute(select(CampaignHostname.hostname, CampaignHostname.campaign_id)
                                      .filter(CampaignHostname.network_id == network_id,
                                              CampaignHostname.hostname.in_(hosts))).all())
    by_code = dict(db.session.execute(select(Campaign.code_key, Campaign.id)
                                      .filter(Campaign.network_id == network_id,
                                              Campaign.code_key.in_(codes))).all())
    return lambda join: by_code.get(fold(join.campaign or "")) or by_host.get(join.hostname)


def search_players(server: Server, query: str = "", page: int = 1, per_page: int = 50):
    """The Server's players, most recently seen first, optionally filtered by part of the name."""
    stmt = (select(Player).filter_by(server_id=server.id).options(joinedload(Player.campaign))
            .order_by(Player.last_seen.desc(), Player.id.desc()))
    if query.strip():
        stmt = stmt.filter(Player.username_key.contains(fold(query), autoescape=True))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
