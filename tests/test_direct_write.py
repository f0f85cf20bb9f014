"""extensions.DirectWrite, the webhook receipt's transaction straight on the driver: what it
commits stays, what it does not (or cannot: a BEGIN or COMMIT that fails) is rolled back, and
either way SQLite's write lock is free for the next writer; a session that would wait for it
from inside the block is refused; a plain purchase's receipt does not open the ORM session."""
import fcntl
import os
import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, func, insert, select

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



@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # SQLite's write lock
def test_a_commit_that_fails_keeps_nothing_and_frees_the_write_lock(app, server):
    with app.app_context():
        orphan = PURCHASE | _server(server.id) | {"server_id": 999_999}
        direct = DirectWrite(db.engine)  # referenced: a connection left open stays open
        with direct as conn:
            conn.connection.dbapi_connection.execute("PRAGMA defer_foreign_keys=ON")
            INSERT.execute(conn, orphan)  # accepted now...
            with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
                conn.commit()  # ...refused by COMMIT itself
        assert _write_lock_free()
        assert _count_purchases() == 0
        assert _another_writer_gets_in(app, server.id)
        assert _count_purchases() == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_begin_that_times_out_frees_the_write_lock(app, server):
    """BEGIN IMMEDIATE gives up when a writer outside the flock (another program on the file)
    keeps the database past the busy timeout; the flock goes back, and the thread's next
    write takes it again instead of believing it still holds it."""

    def short_timeout(dbapi_connection, record, proxy):
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    with app.app_context():
        outsider = sqlite3.connect(db.engine.url.database, isolation_level=None)
        outsider.execute("BEGIN IMMEDIATE")
        event.listen(db.engine, "checkout", short_timeout)
        try:
            direct = DirectWrite(db.engine)  # referenced, as above
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                with direct:
                    pass
            assert _write_lock_free()
        finally:
            event.remove(db.engine, "checkout", short_timeout)
            outsider.rollback()
            outsider.close()
        with DirectWrite(db.engine) as conn:
            assert not _write_lock_free(), "taken again, not skipped as already held"
            INSERT.execute(conn, PURCHASE | _server(server.id))
            conn.commit()
        assert _count_purchases() == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_second_writer_in_the_thread_is_refused_not_left_waiting(app, server):
    """On SQLite a second writer in the thread would wait for the first one's lock until the
    busy timeout (15 s): a session inside the block before its COMMIT, another DirectWrite
    inside it, or a DirectWrite while the session writes. After the COMMIT the session may."""
    with app.app_context():
        row = PURCHASE | _server(server.id)
        db.session.rollback()
        token = expect_writes(True)
        try:
            started = time.monotonic()
            with DirectWrite(db.engine) as conn:
                INSERT.execute(conn, row)
                with pytest.raises(RuntimeError, match="second writer in this thread"):
                    db.session.connection()
                db.session.rollback()
                with pytest.raises(RuntimeError, match="already holds SQLite's write lock"):
                    with DirectWrite(db.engine):
                        pass
                conn.commit()
                INSERT.execute(db.session.connection(), row | {"transaction_id": "t-2"})
                db.session.commit()
            INSERT.execute(db.session.connection(), row | {"transaction_id": "t-3"})
            with pytest.raises(RuntimeError, match="already holds SQLite's write lock"):
                with DirectWrite(db.engine):
                    pass
            db.session.commit()
            assert time.monotonic() - started < 5
        finally:
            forget_writes(token)
        assert _count_purchases() == 3
