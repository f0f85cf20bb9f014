"""Store activity that is not revenue (visits, rewards, expiries, disputes), and visit counts."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from ledger import locks
from models import Purchase, Server, StoreEvent
from models.base import fold
from models.store_event import VISIT


def record_activity(server: Server, store: str, event, delivery_id: int | None = None) -> bool:
    """Add a StoreEvent for ``event`` (providers.base.StoreActivityEvent).
    False when its external id (or an alias) was already recorded."""
    if event.duplicate_if_recorded:
        locks.hold(*locks.dedupe_names(server.id, store, event))
    if event.duplicate_if_recorded and db.session.scalar(select(StoreEvent.id).where(
            StoreEvent.server_id == server.id, StoreEvent.store == store,
            StoreEvent.external_id.in_(event.duplicate_if_recorded)).limit(1)):
        return False
    row = StoreEvent(server_id=server.id, store=store, kind=event.kind,
                     username=event.username,
                     username_key=fold(event.username) if event.username else None,
                     uuid=event.uuid, occurred_at=event.occurred_at,
                     external_id=event.external_id,
                     detail=event.detail or None,
                     delivery_id=delivery_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        if event.external_id and db.session.scalar(select(StoreEvent.id).filter_by(
                server_id=server.id, store=store, external_id=event.external_id)):
            return False
        raise
    return True


@dataclass(frozen=True)
class VisitStats:
    visits: int      # store logins (including refused ones)
    visitors: int    # distinct players among them
    buyers: int      # distinct players with a positive purchase in the same period

    @property
    def visitors_to_buyers(self) -> float | None:
        return self.buyers / self.visitors if self.visitors else None


def visit_stats(start: datetime, end: datetime, *, server_id: int | None = None,
                network_id: int | None = None, store: str | None = None) -> VisitStats:
    """Visits and distinct visitors in [start, end) for one Server or a whole Network,
    with the number of distinct buyers over the same period and scope (Revenue page)."""
    if (server_id is None) == (network_id is None):
        raise ValueError("give exactly one of server_id and network_id")
    visits = select(func.count(StoreEvent.id),
                    func.count(func.distinct(StoreEvent.username_key))).where(
        StoreEvent.kind == VISIT, StoreEvent.occurred_at >= start, StoreEvent.occurred_at < end)
    buyers = select(func.count(func.distinct(Purchase.username_key))).where(
        Purchase.amount_minor > 0, Purchase.purchased_at >= start, Purchase.purchased_at < end)
    if server_id is not None:
        visits = visits.where(StoreEvent.server_id == server_id)
        buyers = buyers.where(Purchase.server_id == server_id)
    else:
        visits = visits.join(Server, Server.id == StoreEvent.server_id).where(
            Server.network_id == network_id)
        buyers = buyers.where(Purchase.network_id == network_id)
    if store is not None:
        visits = visits.where(StoreEvent.store == store)
        buyers = buyers.where(Purchase.store == store)
    count, distinct = db.session.execute(visits).one()
    return VisitStats(visits=count, visitors=distinct, buyers=db.session.scalar(buyers))
