"""Crash test: kill -9 the production server mid-stream; nothing acknowledged is lost or doubled.

Runs gunicorn against SQLite and (with TEST_DATABASE_URL) PostgreSQL, sends a stream of
distinct signed Custom deliveries from several threads, kills the server part-way,
restarts it, finishes the stream, then resends everything.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

import runtime
from extensions import db
from ledger import accounts, integrations
from ledger.servers import create_server
from models import Delivery, Purchase, PurchaseItem
from providers.custom import sign
from tests.live import LiveTally, fresh_postgres_database, post

pytestmark = pytest.mark.slow

DELIVERIES = 600
KILL_AFTER = 200
THREADS = 8


def provision(live: LiveTally):
    """Owner, Network, Server and a connected Custom integration, written straight to the DB."""
    live.flask("db", "upgrade")
    app = live.app()
    with app.app_context():
        user = accounts.create_user("crash@example.com", "crash test password")
        network = accounts.create_network(user, "Crash")
        server, _ = create_server(network, "Lobby")
        _, secret = integrations.connect(server, "custom", runtime.secret_box())
        db.session.commit()
        return app, server.project_id, secret


def delivery(n: int, secret: str) -> tuple[bytes, dict]:
    amount = f"{n % 90 + 1}.25"
    body = (f'{{"transaction_id":"crash-{n}","username":"Player{n % 50}","amount":{amount},'
            f'"currency":"EUR","items":[{{"name":"Rank","price":{amount}}}]}}').encode()
    return body, {"X-Signature": sign(body, secret)}


def send_all(live, project_id, secret, numbers, kill_at=None, attempts=1):
    """Send deliveries ``numbers`` concurrently; optionally kill -9 the server after ``kill_at``.

    With ``attempts`` > 1 a delivery whose connection failed is retried, as a store would.
    """
    url = f"{live.url}/api/webhooks/custom?projectId={project_id}"
    answers, sent, lock = {}, [0], threading.Lock()

    def one(n):
        with lock:
            sent[0] += 1
            if kill_at is not None and sent[0] == kill_at:
                live.kill()
        for _ in range(attempts):
            answers[n] = post(url, *delivery(n, secret), timeout=20)
            if answers[n][0]:
                break

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, numbers))
    return answers


@pytest.fixture(params=["sqlite", "postgres"])
def live(request, tmp_path):
    database_url = None
    if request.param == "postgres":
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip("TEST_DATABASE_URL is not set")
        database_url = fresh_postgres_database(base, "tally_crash_test")
    server = LiveTally(tmp_path / "instance", database_url)
    yield server
    server.stop()


def test_kill_9_mid_stream_loses_and_doubles_nothing(live, figure):
    app, project_id, secret = provision(live)
    live.start()
    first = send_all(live, project_id, secret, range(DELIVERIES), kill_at=KILL_AFTER)
    acked = {n for n, (status, _) in first.items() if status == 200}
    live.start()  # its worker applies what was received before the kill
    live.drained(app)
    with app.app_context():
        ids = db.session.scalars(select(Purchase.transaction_id)).all()
        present_after_crash = len(ids)
        assert len(ids) == len(set(ids))  # never twice
        assert {f"crash-{n}" for n in acked} <= set(ids)  # nothing acknowledged is lost
        _assert_whole(app)

    again = send_all(live, project_id, secret, range(DELIVERIES), attempts=3)
    assert all(status == 200 for status, _ in again.values())
    assert all(again[n][1] == {"status": "duplicate"} for n in acked)
    live.drained(app)
    with app.app_context():
        count, total = db.session.execute(
            select(func.count(Purchase.id), func.sum(Purchase.amount_minor))).one()
        assert count == DELIVERIES
        assert total == sum((n % 90 + 1) * 100 + 25 for n in range(DELIVERIES))
        _assert_whole(app)

    third = send_all(live, project_id, secret, range(DELIVERIES), attempts=3)
    assert all(answer == (200, {"status": "duplicate"}) for answer in third.values())
    live.drained(app)
    with app.app_context():
        assert db.session.execute(select(func.count(Purchase.id),
                                         func.sum(Purchase.amount_minor))).one() == (count, total)
    figure(f"crash [{live.env.get('DATABASE_URL', 'sqlite')[:10]}]: sent {DELIVERIES}, "
           f"acknowledged {len(acked)}, present after restart {present_after_crash}, "
           f"after resend {count} (exactly once each); a third pass: {DELIVERIES} duplicates, "
           f"totals unchanged")
    live.stop()


def _assert_whole(app) -> None:
    """No half-written purchase: each has its item and the delivery that brought it."""
    without_items = db.session.scalar(
        select(func.count(Purchase.id)).where(~Purchase.items.any()))
    without_delivery = db.session.scalar(
        select(func.count(Purchase.id)).where(Purchase.delivery_id.is_(None)))
    assert (without_items, without_delivery) == (0, 0)
    assert db.session.scalar(select(func.count(PurchaseItem.id))) == db.session.scalar(
        select(func.count(Purchase.id)))
    assert db.session.scalar(select(func.count(Delivery.id))) > 0
