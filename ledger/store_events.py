"""Store activity that is not revenue: visits, rewards, expiries, disputes."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from ledger import locks
from models import Server, StoreEvent
from models.base import fold


def record_activity(server: Server, store: str, event, delivery_id: int | None = None) -> bool:
    """Add a StoreEvent for ``event`` (events.StoreActivityEvent).
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
