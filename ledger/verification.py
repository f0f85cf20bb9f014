"""Answering a store's "may this player log in?" question (Donation Store user verification).

The rule and message live in the integration's ``settings`` (see
providers.donationstore.clean_settings): ``verify_rule`` is "everyone",
"joined" (only players this Server has seen) or "blocklist" (everyone except
``verify_blocklist``); the block list also applies under "joined".
Every question is recorded as a store visit, with the answer in its detail.
"""
from uuid import UUID

from sqlalchemy import or_, select

from events import StoreActivityEvent
from extensions import db
from ledger.store_events import record_activity
from models import Player, Server
from models.base import fold
from models.store_event import VISIT

EVERYONE, JOINED, BLOCKLIST = "everyone", "joined", "blocklist"
DEFAULT_MESSAGE = "Join our Minecraft server once before using the store."


def answer(server: Server, store: str, settings: dict, asked, delivery_id: int | None) -> dict:
    """The reply body for ``asked`` (events.VerificationRequest); records the visit."""
    verified = _allowed(server, settings, asked)
    visit = StoreActivityEvent(kind=VISIT, occurred_at=asked.occurred_at, username=asked.username,
                               uuid=asked.uuid, detail={"verified": verified})
    record_activity(server, store, visit, delivery_id)
    if verified:
        return {"verified": True}
    return {"verified": False, "message": settings.get("verify_message") or DEFAULT_MESSAGE}


def _allowed(server: Server, settings: dict, asked) -> bool:
    rule = settings.get("verify_rule") or EVERYONE
    if rule == EVERYONE:
        return True
    keys = {_key(value) for value in (asked.username, asked.uuid) if value}
    blocked = {_key(entry) for entry in settings.get("verify_blocklist") or ()}
    if keys & blocked:
        return False
    if rule == JOINED:
        return _has_joined(server.id, asked.username, asked.uuid)
    return True  # BLOCKLIST, and not on it


def _has_joined(server_id: int, username: str | None, uuid: str | None) -> bool:
    conditions = []
    if username:
        conditions.append(Player.username_key == fold(username))
    if uuid and (dashed := _dashed(uuid)):
        conditions.append(Player.uuid == dashed)  # players' uuids are stored dashed, lowercase
    if not conditions:
        return False
    return db.session.scalar(select(Player.id).where(Player.server_id == server_id,
                                                     or_(*conditions)).limit(1)) is not None


def _dashed(uuid: str) -> str | None:
    try:
        return str(UUID(uuid.strip()))
    except ValueError:
        return None


def _key(text: str) -> str:
    """Usernames never contain '-', so dropping dashes lets dashed and plain UUIDs compare equal."""
    return fold(text).replace("-", "")

