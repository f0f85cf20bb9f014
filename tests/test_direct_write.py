"""extensions.DirectWrite, the webhook receipt's transaction straight on the driver: what it
commits stays, what it does not is rolled back, and either way SQLite's write lock is free
for the next writer; a plain purchase's receipt does not open the ORM session at all."""
import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import func, insert, select

import providers
import runtime
from extensions import DirectWrite, db, expect_writes, forget_writes
from ledger import ingest
from ledger.compiled import Prepared
from models import Delivery, Purchase
from providers.custom import sign
from tests.store_helpers import connect
from tests.test_prepared import COLUMNS, PURCHASE, _server

INSERT = Prepared(insert(Purchase.__table__), COLUMNS)


def _count_purchases() -> int:
    db.session.rollback()  # a snapshot taken now (SQLite's read transactions keep theirs)
    return db.session.scalar(select(func.count(Purchase.id)))


def _write_lock_free() -> bool:
    """Whether SQLite's write lock (the flock of extensions._take_write_lock) can be taken now
    by someone else."""
    fd = os.open(db.engine.url.database + "-writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _another_writer_gets_in(app, server_id: int) -> bool:
    """Whether a session's write transaction in another thread starts and commits within a
    few seconds (it would wait for ever on a write lock left taken)."""
    done = threading.Event()

    def write():
        with app.app_context():
            token = expect_writes(True)
            try:
                INSERT.execute(db.session.connection(), PURCHASE | _server(server_id)
                               | {"transaction_id": "from-another-thread"})
                db.session.commit()
                done.set()
            finally:
                forget_writes(token)

    threading.Thread(target=write, daemon=True).start()
    return done.wait(10)


def test_what_it_commits_stays_and_the_write_lock_is_free_after(app, server, backend):
    with app.app_context():
        with DirectWrite(db.engine) as conn:
            INSERT.execute(conn, PURCHASE | _server(server.id))
            if backend == "sqlite":
                assert not _write_lock_free(), "taken for the whole transaction"
            conn.commit()
            if backend == "sqlite":
                assert _write_lock_free(), "given up at COMMIT, before the block ends"
        assert _count_purchases() == 1
        assert _another_writer_gets_in(app, server.id)
        assert _count_purchases() == 2


def test_what_it_does_not_commit_is_rolled_back_and_the_write_lock_is_free_after(app, server):
    with app.app_context():
        with pytest.raises(RuntimeError):
            with DirectWrite(db.engine) as conn:
                INSERT.execute(conn, PURCHASE | _server(server.id))
                raise RuntimeError("the receipt failed half way")
        with DirectWrite(db.engine) as conn:
            INSERT.execute(conn, PURCHASE | _server(server.id) | {"transaction_id": "t-2"})
        assert _count_purchases() == 0  # neither was committed
        assert _another_writer_gets_in(app, server.id)
        assert _count_purchases() == 1


def test_a_plain_purchase_is_received_without_the_orm_session(app, server):
    secret = connect(app, server.id, "custom")
    with app.app_context():
        body = b'{"transaction_id":"direct-1","username":"Steve","amount":4.99,"currency":"EUR"}'
        reply = ingest.receive(providers.get("custom"), server.project_id, body,
                               {"X-Signature": sign(body, secret)}, {},
                               time.perf_counter(), runtime.secret_box())
        assert reply.status == 200 and reply.body == {"status": "accepted"}
        assert not db.session.registry.has()
        delivery = db.session.scalars(select(Delivery)).one()
        assert (delivery.outcome, delivery.transaction_id) == ("accepted", "direct-1")

