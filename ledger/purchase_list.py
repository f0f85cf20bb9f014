"""The purchase list: filters, and keyset pages on (purchased_at, id), newest first."""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from ledger.periods import Scope, start_of
from models import Purchase

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class PurchaseFilter:
    scope: Scope
    matched: bool | None = None
    campaign_id: int | None = None  # 0: purchases without a Campaign
    creator_id: int | None = None  # 0: purchases without a creator code
    player: str | None = None  # prefix of the (folded) username


@dataclass
class Page:
    purchases: list
    older: str | None = None  # cursor for the next (older) page
    newer: str | None = None  # cursor for the previous (newer) page


def purchase_query(f: PurchaseFilter):
    scope = f.scope
    query = select(Purchase).where(Purchase.network_id == scope.network_id)
    if scope.server_id is not None:
        query = query.where(Purchase.server_id == scope.server_id)
    if scope.store:
        query = query.where(Purchase.store == scope.store)
    if scope.start is not None:
        query = query.where(Purchase.purchased_at >= start_of(scope.start))
    if scope.end is not None:
        query = query.where(Purchase.purchased_at < start_of(scope.end + timedelta(days=1)))
    if f.matched is not None:
        query = query.where(Purchase.player_id.isnot(None) if f.matched
                            else Purchase.player_id.is_(None))
    for column, value in ((Purchase.campaign_id, f.campaign_id),
                          (Purchase.creator_id, f.creator_id)):
        if value is not None:
            query = query.where(column.is_(None) if value == 0 else column == value)
    if f.player:
        query = query.where(Purchase.username_key.like(_like_prefix(f.player), escape="\\"))
    return query


def _like_prefix(text: str) -> str:
    escaped = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _with_relations(query):
    return query.options(selectinload(Purchase.items), joinedload(Purchase.player),
                         joinedload(Purchase.campaign), joinedload(Purchase.creator),
                         joinedload(Purchase.server))


def encode_cursor(purchase: Purchase) -> str:
    micros = (purchase.purchased_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{purchase.id}"


_CURSOR = re.compile(r"(-?[0-9]{1,20})\.([0-9]{1,19})")
MAX_ID = 2 ** 63 - 1  # BIGINT; SQLite refuses larger Python ints


def decode_cursor(text: str) -> tuple[datetime, int]:
    """Raises ValueError for anything that is not a cursor we made (or could have made)."""
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise ValueError("not a cursor")
    purchase_id = int(match[2])
    if purchase_id > MAX_ID:
        raise ValueError("cursor id out of range")
    try:
        moment = EPOCH + timedelta(microseconds=int(match[1]))
    except OverflowError:
        raise ValueError("cursor time out of range") from None
    return moment, purchase_id


def purchase_page(f: PurchaseFilter, *, after: str | None = None, before: str | None = None,
                  size: int = 50) -> Page:
    """One page, newest first. ``after``: the page older than that cursor; ``before``: newer."""
    key = tuple_(Purchase.purchased_at, Purchase.id)
    query = _with_relations(purchase_query(f)).limit(size + 1)
    if before:
        query = query.where(key > tuple_(*decode_cursor(before))).order_by(
            Purchase.purchased_at, Purchase.id)
        rows = db.session.scalars(query).all()
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        return _page(rows, older=bool(rows), newer=more_newer)
    if after:
        query = query.where(key < tuple_(*decode_cursor(after)))
    query = query.order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
    rows = db.session.scalars(query).all()
    return _page(rows[:size], older=len(rows) > size, newer=bool(after) and bool(rows))


def _page(rows, older: bool, newer: bool) -> Page:
    return Page(rows, older=encode_cursor(rows[-1]) if older else None,
                newer=encode_cursor(rows[0]) if newer else None)


def iter_purchases(f: PurchaseFilter, chunk: int = 500):
    """Every purchase of the filter, newest first, loaded ``chunk`` at a time (for CSV)."""
    query = _with_relations(purchase_query(f)).order_by(
        Purchase.purchased_at.desc(), Purchase.id.desc()).execution_options(yield_per=chunk)
    yield from db.session.scalars(query)


