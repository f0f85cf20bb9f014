"""The outbox under crashes, concurrency and load, with real processes: kill -9 of `flask worker`
mid-send (SQLite and PostgreSQL), two workers on PostgreSQL, and a burst of 1,000 purchases
told to a fake Discord by the embedded worker of a gunicorn-served Tally."""
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

import runtime
from extensions import db
from ledger import accounts, alerts, integrations, outbox
from ledger.servers import create_server
from models import DiscordAlert, OutboxEvent, Send, Server, WebhookEndpoint
from providers.custom import sign
from tests.fakes import receiver
from tests.live import LiveTally, drop_postgres_database, fresh_postgres_database, post

pytestmark = pytest.mark.slow

EVENTS = 300
SETTINGS = {"TALLY_OUTBOUND_ALLOW_PRIVATE": "1", "TALLY_SEND_LOCK_SECONDS": "3",
            "TALLY_WORKER_LEASE_SECONDS": "2", "TALLY_OUTBOUND_TIMEOUT": "1"}


@pytest.fixture(params=["sqlite", "postgres"])
def live(request, tmp_path):
    database_url, name = None, f"tally_outbox_{request.param}"
    base = os.environ.get("TEST_DATABASE_URL")
    if request.param == "postgres":
        if not base:
            pytest.skip("TEST_DATABASE_URL is not set")
        database_url = fresh_postgres_database(base, name)
    server = LiveTally(tmp_path / "instance", database_url)
    server.env.update(SETTINGS)
    server.flask("db", "upgrade")
    yield server
    server.stop()
    if database_url:
        drop_postgres_database(base, name)


def provision(live: LiveTally):
    """An owner, a Network with a Server, and its app (to read and write rows)."""
    app = live.app()
    with app.app_context():
        user = accounts.create_user("outbox@example.com", "outbox test password")
        network = accounts.create_network(user, "Outbox")
        server, _ = create_server(network, "Lobby")
        db.session.commit()
        return app, network.id, SimpleNamespace(id=server.id, project_id=server.project_id)


def add_endpoint(app, network_id: int, url: str) -> None:
    with app.app_context():
        alerts.save_endpoint(WebhookEndpoint(network_id=network_id), runtime.secret_box(), url,
                             None, allow_private=True)
        db.session.commit()


def emit_purchases(app, network_id: int, server_id: int, count: int) -> set[str]:
    """``count`` purchase events, written in one transaction as the ledger writes them."""
    with app.app_context():
        uids = {outbox.emit(network_id, outbox.PURCHASE, {
            "server_id": server_id, "store": "custom", "transaction_id": f"t-{n}",
            "username": f"Player{n}", "amount_minor": 100 + n, "currency": "EUR",
            "items": [{"name": "Rank", "quantity": 1}]}) for n in range(count)}
        db.session.commit()
        return uids


def wait_until(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


def all_sent(app) -> bool:
    """Every event fanned out and every send sent. Both counts come from one statement, so
    from one snapshot: read apart, on PostgreSQL a fan-out committed between them made both
    zero while its sends were still pending."""
    unfanned = select(func.count(OutboxEvent.id)).where(OutboxEvent.fanned_out_at.is_(None))
    open_sends = select(func.count(Send.id)).where(Send.status != "sent")
    with app.app_context():
        counts = db.session.execute(select(unfanned.scalar_subquery(),
                                           open_sends.scalar_subquery())).one()
        db.session.remove()
        return tuple(counts) == (0, 0)


def kill_9(process) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_kill_9_of_the_worker_mid_send_loses_nothing(live, figure):
    app, network_id, server = provision(live)
    with receiver() as (fake, base):
        fake.delay = 0.01
        add_endpoint(app, network_id, base + "/tally")
        uids = emit_purchases(app, network_id, server.id, EVENTS)
        worker = live.worker()
        try:
            wait_until(lambda: len(fake.requests) >= EVENTS // 3, 60, "the first sends")
        finally:
            kill_9(worker)
        before_restart = len({r["headers"]["webhook-id"] for r in fake.requests})
        worker = live.worker()
        try:
            took = wait_until(lambda: all_sent(app), 90, "every send")
        finally:
            kill_9(worker)
        received = [r["headers"]["webhook-id"] for r in fake.requests if r["status"] < 300]
    assert set(received) == uids  # every event delivered at least once
    deduplicated = {}
    for uid in received:  # what a receiver that deduplicates on the event id keeps
        deduplicated.setdefault(uid, True)
    assert len(deduplicated) == EVENTS
    assert max(fake.most_in_flight.values()) == 1  # never two copies at once
    figure(f"outbox kill -9 [{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}]: "
           f"{EVENTS} events, {before_restart} delivered before the kill, "
           f"{len(received)} requests in all ({len(received) - EVENTS} sent twice after the "
           f"crash), {len(deduplicated)} after deduplicating on the id; "
           f"the rest delivered {took:.1f} s after the restart")


def test_two_workers_on_postgresql_never_send_one_event_twice_at_once(live, figure):
    if not live.env.get("DATABASE_URL"):
        pytest.skip("several workers share sending on PostgreSQL only")
    app, network_id, server = provision(live)
    with receiver() as (fake, base):
        fake.delay = 0.02
        add_endpoint(app, network_id, base + "/tally")
        uids = emit_purchases(app, network_id, server.id, 200)
        workers = [live.worker(), live.worker()]
        try:
            took = wait_until(lambda: all_sent(app), 90, "every send")
        finally:
            for worker in workers:
                kill_9(worker)
        received = [r["headers"]["webhook-id"] for r in fake.requests]
    assert sorted(received) == sorted(uids)  # each exactly once
    assert max(fake.most_in_flight.values()) == 1
    figure(f"outbox two workers [postgresql]: 200 events, 200 requests, each id once, "
           f"at most one in flight per id; {took:.1f} s")


BURST = 1000
THREADS = 16


def test_a_burst_of_1000_purchases_all_reach_discord(live, figure):
    app, network_id, server = provision(live)
    with app.app_context():
        _, secret = integrations.connect(db.session.get(Server, server.id), "custom",
                                         runtime.secret_box())
        db.session.commit()
    with receiver() as (fake, base):
        with app.app_context():
            alerts.save_discord(DiscordAlert(network_id=network_id), runtime.secret_box(),
                                {"url": base + "/api/webhooks/1/burst", "topics": ["purchases"]},
                                True, {server.id})
            db.session.commit()
        live.start()  # gunicorn, its embedded worker on
        url = f"{live.url}/api/webhooks/custom?projectId={server.project_id}"

        def one(n):
            body = json.dumps({"transaction_id": f"burst-{n}", "username": f"P{n}",
                               "amount": 5, "currency": "USD",
                               "items": [{"name": "Key", "price": 5}]}).encode()
            return post(url, body, {"X-Signature": sign(body, secret)})[0]

        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            answers = list(pool.map(one, range(BURST)))
        accepted_in = time.monotonic() - started
        assert answers == [200] * BURST
        lock = threading.Lock()

        def embeds():
            with lock:
                return sum(len(b["embeds"]) for b in fake.json_bodies())

        wait_until(lambda: embeds() >= BURST, 120, "every alert")
        arrived_in = time.monotonic() - started
        names = {e["description"].split("**")[1] for b in fake.json_bodies()
                 for e in b["embeds"]}
    assert names == {f"P{n}" for n in range(BURST)} and embeds() == BURST
    assert all(len(b["embeds"]) <= 10 for b in fake.json_bodies())
    figure(f"outbox burst [{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}]: "
           f"{BURST} purchases accepted in {accepted_in:.1f} s ({THREADS} connections); all "
           f"{BURST} alerts reached the fake Discord {arrived_in:.1f} s after the first, in "
           f"{len(fake.requests)} messages")
