"""Replaying a store's failed deliveries once their cause is fixed (a secret pasted wrong, a
setting, a bug).

A refused delivery of a connected store keeps a copy of its body and of the headers its
verification reads (a store module's REPLAY_HEADERS), for the latest COPIES refusals of each
integration only, so refusals still cannot grow the database without bound. Replaying sends
the copy through the same pipeline again, verified with today's secret and settings; it is a
new attempt in the log, and stays idempotent (a purchase already recorded is a duplicate).
EnderPay's credential is in the URL, which is never stored, so its deliveries cannot be
replayed. A delivery that was received but failed to apply is replayed by applying it again.
"""
from sqlalchemy import delete, func, select

from extensions import db
from models import Delivery, ReplayCopy
from models.integration import FAILED, WAITING

COPIES = 20  # kept per Server and store
MAX_COPY_BYTES = 512 * 1024  # of all of an integration's copies together


def headers_to_keep(module, headers) -> dict | None:
    """The headers a replay of this store's delivery needs; None when it cannot be replayed."""
    names = getattr(module, "REPLAY_HEADERS", None)
    if names is None:
        return None
    return {name: headers[name] for name in names if headers.get(name)}


def keep(delivery_id: int, server_id: int, store: str, headers: dict, body: bytes) -> None:
    """Keep a refused delivery's copy, and drop the integration's copies beyond the limits."""
    db.session.add(ReplayCopy(delivery_id=delivery_id, server_id=server_id, store=store,
                              headers=headers, body=body))
    db.session.flush()
    kept = db.session.execute(
        select(ReplayCopy.delivery_id, func.length(ReplayCopy.body))
        .where(ReplayCopy.server_id == server_id, ReplayCopy.store == store)
        .order_by(ReplayCopy.delivery_id.desc())).all()
    total, drop = 0, []
    for index, (copy_id, size) in enumerate(kept):
        total += size or 0
        if index >= COPIES or total > MAX_COPY_BYTES:
            drop.append(copy_id)
    if drop:
        db.session.execute(delete(ReplayCopy).where(ReplayCopy.delivery_id.in_(drop)))


def replayable(server_id: int, store: str) -> dict[int, str]:
    """The integration's failed deliveries that can be replayed now: delivery id -> how
    (a kept copy of a refused one, or a received one whose apply failed)."""
    copies = db.session.scalars(select(ReplayCopy.delivery_id)
                                .filter_by(server_id=server_id, store=store))
    failed = db.session.scalars(select(Delivery.id).filter_by(
        server_id=server_id, store=store, apply_state=FAILED))
    return {**{i: "copy" for i in copies}, **{i: "apply" for i in failed}}


def reapply(delivery: Delivery) -> None:
    """A received delivery whose apply failed waits to be applied again. Flushes."""
    delivery.apply_state, delivery.apply_attempts = WAITING, 0
    db.session.flush()


def copy_of(delivery: Delivery) -> ReplayCopy | None:
    """The kept copy a refused delivery is replayed from (the caller sends it through
    ledger.ingest.receive again, with today's secret); None when a replay just took it."""
    return db.session.get(ReplayCopy, delivery.id)


def forget(delivery_id: int) -> None:
    """Drop a delivery's copy once its replay is logged as a new attempt (which keeps a copy
    of its own if refused again). Nothing when another replay dropped it first."""
    db.session.execute(delete(ReplayCopy).where(ReplayCopy.delivery_id == delivery_id))
