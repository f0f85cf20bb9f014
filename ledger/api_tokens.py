"""Network API tokens for the read API: made and revoked by owners, found by digest."""
from sqlalchemy import select

from extensions import db
from ledger.crypto import digest, new_read_token
from models import ApiToken
from models.base import utcnow

HINT_LENGTH = 13  # "tly_read_" and four characters of the random part


def make(network_id: int, name: str, user_id: int) -> tuple[ApiToken, str]:
    """A new token; returns the row and the token, which is not kept and cannot be shown again."""
    token = new_read_token()
    row = ApiToken(network_id=network_id, name=name.strip(), token_hash=digest(token),
                   hint=token[:HINT_LENGTH], created_by=user_id)
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke(row: ApiToken, user_id: int) -> None:
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = utcnow(), user_id
        db.session.flush()


def of_network(network_id: int) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).filter_by(network_id=network_id)
                                   .order_by(ApiToken.revoked_at.isnot(None), ApiToken.id.desc())))


def find(token: str) -> ApiToken | None:
    """The live token ``token`` is, if any. Looked up by its SHA-256 digest, so no token is
    compared with another (a digest reveals nothing of the token)."""
    if not token or not token.startswith("tly_read_"):
        return None
    row = db.session.scalar(select(ApiToken).filter_by(token_hash=digest(token)))
    return row if row is not None and row.revoked_at is None else None
