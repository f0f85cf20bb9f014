"""Share links: a read-only view of one Campaign or one Creator, found by the token's digest.

A wrong, revoked or expired token, and one whose Campaign or Creator is gone, all find
nothing: whoever tries tokens learns nothing from the answer.
"""
from datetime import datetime, timedelta

from sqlalchemy import select

from extensions import db
from ledger.crypto import digest, new_share_token
from models import Campaign, Creator, Purchase, ShareLink
from models.base import utcnow
from models.share_link import CAMPAIGN, CREATOR

MODELS = {CAMPAIGN: Campaign, CREATOR: Creator}
HINT_LENGTH = 6


def make(network_id: int, kind: str, object_id: int, show_names: bool, days: int | None,
         user_id: int | None) -> tuple[ShareLink, str]:
    """A new link to a Campaign or Creator of the Network; returns it and its token (not kept).
    Raises ValueError when there is no such Campaign or Creator in the Network."""
    target = db.session.get(MODELS[kind], object_id) if kind in MODELS else None
    if target is None or target.network_id != network_id:
        raise ValueError("no such Campaign or Creator in this Network")
    token = new_share_token()
    row = ShareLink(network_id=network_id, kind=kind, object_id=object_id,
                    token_hash=digest(token), hint=token[:HINT_LENGTH], show_names=show_names,
                    expires_at=utcnow() + timedelta(days=days) if days else None,
                    created_by=user_id)
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke(row: ShareLink) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()


def of_network(network_id: int) -> list[tuple[ShareLink, str | None]]:
    """The Network's links, live ones first, with the name of what each shows (None: gone)."""
    rows = db.session.scalars(select(ShareLink).filter_by(network_id=network_id).order_by(
        ShareLink.revoked_at.isnot(None), ShareLink.id.desc())).all()
    return [(row, _target(row) and _target(row).name) for row in rows]


def find(token: str, now: datetime | None = None):
    """(link, the Campaign or Creator) for a live token; None otherwise."""
    if not token or len(token) > 64:
        return None
    row = db.session.scalar(select(ShareLink).filter_by(token_hash=digest(token)))
    now = now or utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        return None
    target = _target(row)
    return (row, target) if target is not None else None


def _target(row: ShareLink):
    target = db.session.get(MODELS[row.kind], row.object_id)
    return target if target is not None and target.network_id == row.network_id else None


def recent_purchases(kind: str, object_id: int, limit: int = 20) -> list[Purchase]:
    """The latest purchases credited to the Campaign or made with the Creator's code."""
    column = Purchase.campaign_id if kind == CAMPAIGN else Purchase.creator_id
    return list(db.session.scalars(select(Purchase).where(column == object_id).order_by(
        Purchase.purchased_at.desc(), Purchase.id.desc()).limit(limit)))
