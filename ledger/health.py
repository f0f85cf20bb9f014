"""Whether a store's deliveries are working: an integration is failing after FAILURES refused
deliveries in a row, or when none was accepted for SILENCE after it had been active. Failing
is shown on the Server and Network pages until a delivery is accepted again
(ledger.ingest, or ``working`` for the gateway, clears it), and announced once through the
outbox."""
from datetime import timedelta

from sqlalchemy import select, update

from extensions import db
from ledger import outbox
from models import Integration, Server
from models.base import utcnow

FAILURES = 5
SILENCE = timedelta(days=1)


def note_refusal(server, store: str, reason: str) -> None:
    """Count a refused delivery of a connected store; at FAILURES in a row it is failing."""
    row = db.session.execute(
        update(Integration).where(Integration.server_id == server.id, Integration.store == store)
        .values(failures_in_row=Integration.failures_in_row + 1)
        .returning(Integration.id, Integration.failures_in_row, Integration.failing_since)
        .execution_options(synchronize_session=False)).first()
    if row is not None and row.failures_in_row >= FAILURES and row.failing_since is None:
        _fail(row.id, server.network_id, server.id, store,
              f"{row.failures_in_row} deliveries in a row were refused; the last: {reason}")


def working(integration: Integration, when) -> None:
    """An accepted delivery for a store whose integration is a model in the session (the
    gateway's callbacks; the webhook receipt does the same with prepared statements): its
    last delivery time, and an end to any run of refusals or failing state."""
    integration.last_delivery_at = when
    integration.failures_in_row, integration.failing_since = 0, None


def flag_silent(now=None) -> int:
    """Mark as failing the integrations that were active but have accepted nothing for
    SILENCE; how many. Run periodically by the worker; the caller commits."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Integration.id, Integration.store, Integration.last_delivery_at, Server.id,
               Server.network_id).join(Server, Server.id == Integration.server_id)
        .where(Integration.last_delivery_at < now - SILENCE,
               Integration.failing_since.is_(None))).all()
    for integration_id, store, last, server_id, network_id in rows:
        _fail(integration_id, network_id, server_id, store,
              f"no delivery accepted since {last:%Y-%m-%d %H:%M} UTC")
    return len(rows)


def failing(network_id: int, server_id: int | None = None) -> list[Integration]:
    """The Network's (or Server's) failing integrations, for the pages' banner."""
    query = select(Integration).join(Server, Server.id == Integration.server_id).where(
        Server.network_id == network_id, Integration.failing_since.is_not(None))
    if server_id is not None:
        query = query.where(Integration.server_id == server_id)
    return list(db.session.scalars(query.order_by(Integration.failing_since)))


def _fail(integration_id: int, network_id: int, server_id: int, store: str, why: str) -> None:
    db.session.execute(update(Integration).where(Integration.id == integration_id)
                       .values(failing_since=utcnow())
                       .execution_options(synchronize_session=False))
    outbox.emit(network_id, outbox.INTEGRATION_FAILING,
                {"server_id": server_id, "store": store, "reason": why}, server_id)
