"""One-off work a request asks for and must not wait on (models/worker.Job), and the
periodic upkeep the worker runs. Each is done at least once; a failing job is retried with
a backoff and its error kept."""
from datetime import timedelta

from sqlalchemy import delete, exists, select, update

from extensions import db
from ledger import activity, deliveries, health, rollups, sending
from models import Job, OutboxEvent, PendingPayment, Send
from models.base import utcnow
from models.outbox import PENDING as SEND_PENDING
from models.outbox import SENDING
from models.pending_payment import EXPIRED, PENDING

RECOUNT = "recount"  # rebuild a Network's revenue and activity rollups (after a delete)
OUTBOX_DAYS = 30
PAYMENT_DAYS = 7  # CraftingStore drops payments pending for longer


def enqueue(kind: str, network_id: int | None = None, payload: dict | None = None) -> None:
    """Ask for a job, unless the same one is already waiting. Flushes."""
    waiting = db.session.scalar(select(Job.id).where(
        Job.kind == kind, Job.network_id == network_id, Job.done_at.is_(None),
        Job.attempts == 0).limit(1))
    if waiting is None:
        db.session.add(Job(kind=kind, network_id=network_id, payload=payload))
        db.session.flush()


def pending(kind: str, network_id: int) -> bool:
    """Whether such a job is waiting or running (the pages say figures are being recounted)."""
    return db.session.scalar(select(Job.id).where(
        Job.kind == kind, Job.network_id == network_id, Job.done_at.is_(None)).limit(1)) \
        is not None


def run_due(limit: int = 5) -> int:
    """Run up to ``limit`` due jobs, each in a savepoint; how many. Flushes."""
    now = utcnow()
    jobs = list(db.session.scalars(
        select(Job).where(Job.done_at.is_(None), Job.run_at <= now).order_by(Job.id)
        .limit(limit).with_for_update(skip_locked=True)))
    for job in jobs:
        try:
            with db.session.begin_nested():
                RUNNERS[job.kind](job)
            job.done_at, job.error = utcnow(), None
        except Exception as exc:  # noqa: BLE001 (kept on the job and retried)
            job.attempts += 1
            job.error = f"{type(exc).__name__}: {exc}"[:1000]
            job.run_at = now + sending.backoff(job.attempts + 1)
    db.session.flush()
    return len(jobs)


def _recount(job: Job) -> None:
    rollups.rebuild_rollups(job.network_id)
    activity.rebuild_activity(job.network_id)


RUNNERS = {RECOUNT: _recount}


# --- periodic upkeep ------------------------------------------------------------------------------

def upkeep(body_days: int, log_days: int) -> dict[str, int]:
    """What the worker does every few minutes: prune the delivery log and the outbox, expire
    gateway payments CraftingStore has dropped, flag silent integrations. Flushes."""
    bodies, rows = deliveries.prune(body_days, log_days)
    return {"bodies": bodies, "rows": rows, "outbox": prune_outbox(),
            "payments": expire_payments(), "silent": health.flag_silent()}


def prune_outbox(days: int = OUTBOX_DAYS) -> int:
    """Delete events older than ``days`` whose sends are all done (sent or failed)."""
    busy = exists().where(Send.event_id == OutboxEvent.id, Send.status.in_((SEND_PENDING,
                                                                            SENDING)))
    result = db.session.execute(delete(OutboxEvent).where(
        OutboxEvent.created_at < utcnow() - timedelta(days=days),
        OutboxEvent.fanned_out_at.is_not(None), ~busy)
        .execution_options(synchronize_session=False))
    db.session.execute(delete(Job).where(Job.done_at < utcnow() - timedelta(days=days))
                       .execution_options(synchronize_session=False))
    return result.rowcount or 0


def expire_payments() -> int:
    """Gateway payments pending for more than PAYMENT_DAYS: CraftingStore dropped them."""
    return db.session.execute(update(PendingPayment).where(
        PendingPayment.status == PENDING,
        PendingPayment.created_at < utcnow() - timedelta(days=PAYMENT_DAYS))
        .values(status=EXPIRED).execution_options(synchronize_session=False)).rowcount or 0
