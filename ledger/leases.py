"""Leases: a duty only one worker does at a time, taken over when its holder dies.

The holder renews its lease every loop; a worker that is killed stops renewing, the lease
runs out after ``seconds`` and the next worker to ask takes it. The caller commits at once,
so a renewal is a short transaction of its own and never waits behind the duty's work.
"""
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite

from extensions import db
from models import Lease
from models.base import utcnow

_INSERT = {name: dialect.insert(Lease).on_conflict_do_nothing(index_elements=["name"])
           for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def hold(name: str, holder: str, seconds: float) -> bool:
    """Take or renew lease ``name`` for ``holder``; False while another holder's is valid."""
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    taken = db.session.execute(
        update(Lease).where(Lease.name == name,
                            or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=expires).returning(Lease.name)
        .execution_options(synchronize_session=False)).first()
    if taken is None:  # (rowcount is not reliable for an INSERT … ON CONFLICT on psycopg)
        taken = db.session.execute(_INSERT[db.engine.dialect.name].values(
            name=name, holder=holder, expires_at=expires).returning(Lease.name)).first()
    return taken is not None


def release(name: str, holder: str) -> None:
    """Give the lease up at once (a clean shutdown), so another worker need not wait."""
    db.session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                       .values(expires_at=utcnow())
                       .execution_options(synchronize_session=False))
