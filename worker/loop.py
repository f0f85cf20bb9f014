"""The worker's loop: hold the lease, then apply, run jobs, fan out, send, keep up."""
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from sqlalchemy import bindparam, select

from extensions import db, expect_writes, forget_writes
from ledger import alerts, fanout, jobs, leases, receipts, sending
from ledger.compiled import Prepared
from ledger.crypto import box_for
from models import Delivery, Job, OutboxEvent, Send
from models.base import utcnow
from models.integration import WAITING
from models.outbox import PENDING, SENDING

log = logging.getLogger(__name__)

LEASE = "worker"
IDLE_SECONDS = 0.25  # between looks for work when there is none
GATHER_SECONDS = 0.05  # after a round with a little work: let the next batch gather
# A round that did at least a batch's worth goes again at once: the backlog may be long.
FULL_ROUND = receipts.BATCH
UPKEEP_EVERY = timedelta(minutes=5)
# While rounds keep applying (a backlog), fan out and look for due sends at most this often:
# events gather into fewer, larger fan-outs, and the rounds are shorter. After a round that
# applied nothing, both happen at once.
BUSY_FAN_OUT_SECONDS = 0.2


class Worker:
    def __init__(self, app, holder: str | None = None):
        self.app = app
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.box = box_for(app.config["SECRET_KEY"])
        self.sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
        self.lease_seconds = app.config["WORKER_LEASE_SECONDS"]
        self.lease_until = 0.0  # monotonic time our lease lasts until (0: not held)
        self.next_ask = 0.0
        self.next_upkeep = utcnow()
        self.next_fan_out = 0.0  # monotonic; see BUSY_FAN_OUT_SECONDS

    def run(self, stop: threading.Event | None = None) -> None:
        """Loop until ``stop`` is set (never, for the embedded daemon thread)."""
        stop = stop or threading.Event()
        with self.app.app_context():
            try:
                while not stop.is_set():
                    done = self.tick()
                    if done < FULL_ROUND:
                        stop.wait(GATHER_SECONDS if done else IDLE_SECONDS)
            finally:
                self._give_up_lease()

    def tick(self) -> int:
        """One round; how much it did (deliveries applied, events, sends...)."""
        try:
            holds = self._lease()
            if not holds and self.sqlite:
                return 0
            done = self._own_duties() if holds else 0
            now = time.monotonic()
            if done and now < self.next_fan_out:
                return done  # a backlog is being applied: fan out and send a little later
            self.next_fan_out = now + BUSY_FAN_OUT_SECONDS
            return done + (self._fan_out() if holds else 0) + self._send()
        except Exception:  # noqa: BLE001 (the loop must outlive any one failure)
            db.session.rollback()
            log.exception("worker round failed")
            return 0
        finally:
            db.session.remove()

    def _lease(self) -> bool:
        """Renew the lease when half of it is gone; ask for it when not held."""
        now = time.monotonic()
        if now < self.lease_until - self.lease_seconds / 2:
            return True
        if not self.lease_until and now < self.next_ask:
            return False
        held = _write(leases.hold, LEASE, self.holder, self.lease_seconds)
        self.lease_until = now + self.lease_seconds if held else 0.0
        self.next_ask = now + self.lease_seconds / 3
        return held

    def _own_duties(self) -> int:
        """What only the lease holder does, fan-out aside (see tick): apply, jobs, upkeep."""
        upkeep = utcnow() >= self.next_upkeep
        duties = _duties_with_work()
        done = 0
        for duty in duties:
            done += _write(duty)
        if upkeep:
            self.next_upkeep = utcnow() + UPKEEP_EVERY
            counts = _write(jobs.upkeep, self.app.config["DELIVERY_BODY_RETENTION_DAYS"],
                            self.app.config["DELIVERY_LOG_RETENTION_DAYS"])
            log.info("upkeep: %s", counts)
        return done

    def _fan_out(self) -> int:
        """The lease holder's fan-out of new outbox events into sends."""
        if not _found(_UNFANNED)[0]:
            return 0
        return _write(fanout.fan_out)

    def _send(self) -> int:
        if not _found(_SENDS_DUE, now=utcnow())[0]:
            return 0
        ids = _write(sending.claim, self.app.config["SEND_LOCK_SECONDS"])
        return deliver(ids, self.box, self.app.config)

    def _give_up_lease(self) -> None:
        if self.lease_until:
            _write(leases.release, LEASE, self.holder)
            self.lease_until = 0.0


def send_test(alert, box, config) -> Send:
    """Send Test: a test message to a Discord alert, delivered now; its Send, as it went.
    Commits."""
    send_id = alerts.test_send(alert)
    db.session.commit()
    deliver([send_id], box, config)
    _write(alerts.settle_test, send_id)
    return db.session.get(Send, send_id)


def deliver(send_ids: list[int], box, config) -> int:
    """Post claimed sends and record how each went: no transaction is open while a receiver
    answers. Sends whose turn would come after the claim's lock could run out are given
    back, so no other worker sends them at the same time; so are those to a destination
    that answered 429 or did not answer, until its next try. Also what "Send test" uses.
    Commits; how many sends were posted."""
    if not send_ids:
        return 0
    deadline = time.monotonic() + config["SEND_LOCK_SECONDS"] - config["OUTBOUND_TIMEOUT"]
    batches = sending.batches(send_ids, box)
    db.session.commit()
    posted, limited = 0, {}  # (target, target_id): seconds it is held (a 429, or no answer)
    for done, batch in enumerate(batches):
        if done and time.monotonic() > deadline:  # one claim: one lock for all its batches
            _write(sending.release, [i for b in batches[done:] for i in b.send_ids],
                   batch.locked_until)
            break
        wait = limited.get((batch.target, batch.target_id))
        if wait is not None:  # its next batches wait too
            _write(sending.release, batch.send_ids, batch.locked_until, timedelta(seconds=wait))
            continue
        outcome = sending.post(batch, config["OUTBOUND_TIMEOUT"],
                               config["OUTBOUND_ALLOW_PRIVATE"])
        held = _write(sending.record, batch, outcome)
        posted += len(batch.send_ids)
        if held:
            limited[(batch.target, batch.target_id)] = held
    return posted


def _write(work, *args):
    """Run ``work(*args)`` in a write transaction of its own (on SQLite: the write lock and
    BEGIN IMMEDIATE) and commit it; what ``work`` returned. Rolled back when it raises."""
    token = expect_writes(True)
    try:
        result = work(*args)
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise
    finally:
        forget_writes(token)


def _duties_with_work() -> list:
    """The duties with something to do, in their order (one cheap read, see _found)."""
    found = _found(_DUTIES_WAITING, now=utcnow())
    return [duty for (duty, _), has in zip(_DUTIES, found) if has]


def _found(statement: Prepared, **params) -> tuple[bool, ...]:
    """Run a SELECT of EXISTS columns on a pooled connection of its own, outside any
    transaction (on SQLite: no write lock). Prepared once (ledger.compiled): built and run
    through the session each round, two such checks cost about 0.65 ms of Python, against
    a few µs of SQLite."""
    return tuple(statement.read(params)[0])


# The lease holder's duties, in their order, each with what it would find to do.
_DUTIES = (
    (receipts.apply_waiting, select(Delivery.id).where(Delivery.apply_state == WAITING)),
    (jobs.run_due, select(Job.id).where(Job.done_at.is_(None), Job.run_at <= bindparam("now"))))
_DUTIES_WAITING = Prepared(select(*(query.exists() for _, query in _DUTIES)))
_UNFANNED = Prepared(select(
    select(OutboxEvent.id).where(OutboxEvent.fanned_out_at.is_(None)).exists()))
_SENDS_DUE = Prepared(select(select(Send.id).where(
    ((Send.status == PENDING) & (Send.next_attempt_at <= bindparam("now")))
    | ((Send.status == SENDING) & (Send.locked_until < bindparam("now")))).exists()))
