"""The worker: receipts applied in order and after the reply, apply failures kept and replayed,
the lease and its takeover, jobs (recounts after deletes), upkeep (pruning, expiry, silent
integrations), failing integrations and the pages' banners, and `flask ingest status`."""
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from ledger import deliveries, health, jobs, outbox, prepared, purchases, receipts, rollups
from models import (Buyer, BuyerDay, Campaign, Delivery, Integration, ItemDay, OutboxEvent, PendingPayment,
                    Purchase, RevenueDay, Send)
from models.base import utcnow
from models.integration import FAILED, WAITING
from models.outbox import PENDING, SENDING, WEBHOOK
from tests.conftest import make_app
from tests.notify_helpers import (TEBEX_SECRET, connect_tebex, outbox_kinds, post_tebex,
                                  tebex_payment, work)
from worker import loop
from worker.loop import Worker


@pytest.fixture
def app(backend, tmp_path, request):
    """Nothing is applied inline: the tests run the worker themselves."""
    application = make_app(backend, tmp_path, request, WORK_INLINE=False)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def the_purchase(app):
    with app.app_context():
        purchase = db.session.scalars(select(Purchase)).one()
        return purchase.amount_minor, purchase.reversed_minor


# ---- Receipts and their apply -------------------------------------------------------------------

def test_a_delivery_is_answered_before_it_is_applied(app, client, server):
    connect_tebex(app, server.id)
    assert post_tebex(client, server.project_id, tebex_payment(1)).json == {"status": "accepted"}
    assert count(app, Purchase) == 0 and count(app, Delivery, Delivery.apply_state == WAITING) == 1
    work(app)
    assert count(app, Purchase) == 1 and count(app, Delivery, Delivery.apply_state == WAITING) == 0


def test_a_copy_received_before_the_first_is_applied_is_a_duplicate(app, client, server):
    connect_tebex(app, server.id)
    payload = tebex_payment(1)
    assert post_tebex(client, server.project_id, payload).json == {"status": "accepted"}
    assert post_tebex(client, server.project_id, payload).json == {"status": "duplicate"}
    work(app)
    assert count(app, Purchase) == 1


def test_a_refund_received_before_its_purchase_is_applied_lands_on_it(app, client, server):
    connect_tebex(app, server.id)
    post_tebex(client, server.project_id, tebex_payment(1))
    post_tebex(client, server.project_id, tebex_payment(1, kind="payment.refunded"))
    post_tebex(client, server.project_id, tebex_payment(1, kind="payment.dispute.lost"))
    assert count(app, Purchase) == 0
    work(app)
    assert the_purchase(app) == (1250, 1250)
    assert outbox_kinds(app) == ["purchase.accepted", "purchase.refunded"]


def test_deliveries_are_applied_in_the_order_they_were_received(app, client, server):
    connect_tebex(app, server.id)
    for n in range(5):
        post_tebex(client, server.project_id, tebex_payment(n))
    with app.app_context():
        assert receipts.apply_waiting(limit=2) == 2
        db.session.commit()
        applied = db.session.scalars(select(Purchase.transaction_id).order_by(Purchase.id)).all()
    assert applied == ["tbx-0", "tbx-1"]


def test_a_batch_sums_its_rollups_and_they_equal_a_recount(app, client, server):
    connect_tebex(app, server.id)
    for n in range(30):  # repeat buyers on days out of order, two currencies, refunds of some
        post_tebex(client, server.project_id, tebex_payment(
            n, amount=1 + n % 4, currency=("EUR", "USD")[n % 2], username=f"P{n % 7}",
            day=1 + (n * 7) % 5))
    for n in range(0, 30, 5):
        post_tebex(client, server.project_id, tebex_payment(n, kind="payment.refunded"))
    with app.app_context():  # two batches: the second moves buyers the first recorded
        assert receipts.apply_waiting(limit=17) == 17
        db.session.commit()
        assert receipts.apply_waiting(limit=100) == 19
        db.session.commit()
        applied = _all_rollups()
        rollups.rebuild_rollups(server.network_id)
        assert _all_rollups() == applied


def test_a_failure_mid_batch_applies_those_before_it_and_keeps_the_rest(
        app, client, server, monkeypatch):
    connect_tebex(app, server.id)
    real = purchases.insert_purchase

    def fails_on_the_third(server_ref, store, event, *args):
        if event.transaction_id == "tbx-2":
            raise RuntimeError("bad row")
        return real(server_ref, store, event, *args)

    monkeypatch.setattr(purchases, "insert_purchase", fails_on_the_third)
    for n in range(5):
        post_tebex(client, server.project_id, tebex_payment(n))
    with app.app_context():
        assert receipts.apply_waiting() == 3  # two applied, the third kept with its error
        db.session.commit()
        states = db.session.execute(select(Delivery.apply_state, Delivery.apply_error)
                                    .order_by(Delivery.id)).all()
        assert states == [(None, None), (None, None), (WAITING, "RuntimeError: bad row"),
                          (WAITING, None), (WAITING, None)]
        assert db.session.scalars(select(Purchase.transaction_id)).all() == ["tbx-0", "tbx-1"]
        applied = _all_rollups()
        rollups.rebuild_rollups(server.network_id)
        assert _all_rollups() == applied


def _all_rollups():
    """Every rollup row but those a move left at zero (a rebuild has none)."""
    return {model.__name__: sorted(
        tuple(v for k, v in row._asdict().items() if k != "id")
        for row in db.session.execute(select(*model.__table__.c)).all()
        if model is Buyer or any(getattr(row, m) for m in prepared.MEASURES[model]))
        for model in (RevenueDay, ItemDay, Buyer, BuyerDay)}


def test_a_delivery_that_fails_to_apply_is_retried_kept_and_replayed(
        app, logged_in, server, monkeypatch):
    connect_tebex(app, server.id)
    real = purchases.insert_purchase

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(purchases, "insert_purchase", broken)
    post_tebex(logged_in, server.project_id, tebex_payment(1))
    post_tebex(logged_in, server.project_id, tebex_payment(2))
    work(app)
    with app.app_context():
        first, second = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
        assert (first.apply_state, first.apply_attempts) == (FAILED, receipts.MAX_ATTEMPTS)
        assert first.apply_error == "RuntimeError: the disk is on fire"
        assert second.apply_state == FAILED  # tried in turn after the first was given up
        assert db.session.scalar(select(func.count(OutboxEvent.id))) == 0  # rolled back too
        first_id = first.id
    assert json.loads(_ingest_status(app))["failed"] == 2

    log_url = f"/servers/{server.id}/integrations/tebex/deliveries"
    page = logged_in.get(log_url).get_data(as_text=True)
    assert "received, not applied" in page and "the disk is on fire" in page
    assert "Replay all 2 failed deliveries" in page

    monkeypatch.setattr(purchases, "insert_purchase", real)  # the cause is fixed
    logged_in.post(f"{log_url}/{first_id}/replay")
    work(app)
    assert count(app, Purchase) == 1
    logged_in.post(f"{log_url}/replay")
    work(app)
    assert count(app, Purchase) == 2 and json.loads(_ingest_status(app))["failed"] == 0
    assert outbox_kinds(app) == ["purchase.accepted", "purchase.accepted"]


def test_an_event_is_written_with_its_change_or_not_at_all(app, logged_in, server, monkeypatch):
    """The apply fails after the purchase's event was written: both are rolled back, so
    nothing is announced that was not committed; once fixed, one purchase and one event."""
    connect_tebex(app, server.id)
    real = outbox.emit

    def emit_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("failed after the event was written")

    monkeypatch.setattr(outbox, "emit", emit_then_fail)
    post_tebex(logged_in, server.project_id, tebex_payment(1))
    work(app)
    with app.app_context():
        assert db.session.scalar(select(Delivery.apply_state)) == FAILED
    assert (count(app, OutboxEvent), count(app, Purchase)) == (0, 0)

    monkeypatch.setattr(outbox, "emit", real)
    logged_in.post(f"/servers/{server.id}/integrations/tebex/deliveries/replay")
    work(app)
    assert (count(app, OutboxEvent), count(app, Purchase)) == (1, 1)


def _ingest_status(app) -> str:
    result = app.test_cli_runner().invoke(args=["ingest", "status", "--json"])
    assert result.exit_code == 0, result.output
    return result.output


def test_ingest_status_prints_the_backlog_and_its_oldest_age(app, client, server):
    assert json.loads(_ingest_status(app)) == {"waiting": 0, "failed": 0,
                                               "oldest_waiting_seconds": None}
    connect_tebex(app, server.id)
    for n in range(3):
        post_tebex(client, server.project_id, tebex_payment(n))
    with app.app_context():
        db.session.execute(db.update(Delivery).values(received_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
    status = json.loads(_ingest_status(app))
    assert status["waiting"] == 3 and 119 < status["oldest_waiting_seconds"] < 200
    assert "3 waiting to be applied" in app.test_cli_runner().invoke(
        args=["ingest", "status"]).output


def test_the_revenue_pages_say_how_many_deliveries_are_waiting(app, logged_in, network, server):
    connect_tebex(app, server.id)
    for n in range(2):
        post_tebex(logged_in, server.project_id, tebex_payment(n))
    page = logged_in.get(f"/networks/{network}/revenue").get_data(as_text=True)
    assert "2 deliveries are\n    received and waiting to be applied" in page
    work(app)
    assert "waiting to be applied" not in logged_in.get(f"/networks/{network}/revenue").text


# ---- The lease --------------------------------------------------------------------------------------

def test_one_worker_at_a_time_and_another_takes_over_when_it_dies(app, client, server):
    app.config["WORKER_LEASE_SECONDS"] = 2
    connect_tebex(app, server.id)
    first, second = Worker(app, holder="first"), Worker(app, holder="second")
    with app.app_context():
        assert first.tick() == 0  # holds the lease; nothing to do
    post_tebex(client, server.project_id, tebex_payment(1))
    with app.app_context():
        assert second.tick() == 0  # the lease is held: the second does nothing
    assert count(app, Purchase) == 0
    # The first dies without giving the lease up; once it runs out, the second takes over.
    work(app, until=lambda: count(app, Purchase) == 1, worker=second, timeout=5)
    assert second.lease_until > 0


def test_a_worker_that_stops_cleanly_hands_the_lease_over_at_once(app, client, server):
    connect_tebex(app, server.id)
    stop = threading.Event()
    stop.set()
    first = Worker(app, holder="first")
    with app.app_context():
        first.tick()
    first.run(stop)  # stops at once and releases
    post_tebex(client, server.project_id, tebex_payment(1))
    work(app, worker=Worker(app, holder="second"), timeout=2)
    assert count(app, Purchase) == 1


# ---- Jobs and upkeep ----------------------------------------------------------------------------------

def test_deleting_a_campaign_answers_at_once_and_the_pages_say_figures_are_recounted(
        app, logged_in, network, server, sales):
    with app.app_context():
        campaign = db.session.scalars(select(Campaign).filter_by(network_id=network)).first()
        campaign_id = campaign.id
    response = logged_in.post(f"/networks/{network}/campaigns/{campaign_id}/delete")
    assert response.status_code == 302
    assert count(app, Campaign, Campaign.id == campaign_id) == 0
    page = logged_in.get(f"/networks/{network}/revenue").text
    assert "being recounted" in page
    with app.app_context():
        stale = _rollup_rows()
    work(app)
    assert "being recounted" not in logged_in.get(f"/networks/{network}/revenue").text
    with app.app_context():
        recounted = _rollup_rows()
        rollups.rebuild_rollups(network)
        assert _rollup_rows() == recounted != stale


def _rollup_rows():
    return sorted(db.session.execute(select(
        RevenueDay.span, RevenueDay.day, RevenueDay.dimension, RevenueDay.ref_id,
        RevenueDay.currency, RevenueDay.store, RevenueDay.purchases, RevenueDay.gross_minor))
        .all(), key=repr)


def test_a_failing_job_is_retried_with_its_error_kept(app, monkeypatch, network):
    calls = []

    def flaky(job):
        calls.append(job.id)
        if len(calls) == 1:
            raise RuntimeError("not yet")

    monkeypatch.setitem(jobs.RUNNERS, jobs.RECOUNT, flaky)
    with app.app_context():
        jobs.enqueue(jobs.RECOUNT, network)
        jobs.enqueue(jobs.RECOUNT, network)  # the same job waiting: not asked twice
        assert jobs.run_due() == 1
        db.session.commit()
        [job] = db.session.scalars(select(jobs.Job)).all()
        assert (job.attempts, job.error, job.done_at) == (1, "RuntimeError: not yet", None)
        assert jobs.pending(jobs.RECOUNT, network)
        job.run_at = utcnow()
        db.session.commit()
        assert jobs.run_due() == 1
        db.session.commit()
        assert job.done_at is not None and not jobs.pending(jobs.RECOUNT, network)


def test_upkeep_prunes_and_expires_while_webhook_requests_do_not(app, client, server):
    connect_tebex(app, server.id)
    post_tebex(client, server.project_id, tebex_payment(1))
    worker = work(app)
    with app.app_context():
        long_ago = utcnow() - timedelta(days=400)
        db.session.execute(db.update(Delivery).values(received_at=long_ago))
        db.session.add(PendingPayment(server_id=server.id, transaction_id="gw-1",
                                      username="Notch", amount_minor=100, currency="USD",
                                      package_name="VIP", payment_url="https://pay.example",
                                      created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    post_tebex(client, server.project_id, tebex_payment(2))  # a request prunes nothing
    assert count(app, Delivery) == 2
    worker.next_upkeep = utcnow()
    work(app, worker=worker)
    with app.app_context():
        assert db.session.scalar(select(PendingPayment.status)) == "expired"
    assert count(app, Delivery) == 1 and count(app, Purchase) == 2  # purchases are kept


def test_upkeep_keeps_a_delivery_that_is_not_applied_yet(app, client, server):
    connect_tebex(app, server.id)
    post_tebex(client, server.project_id, tebex_payment(1))
    with app.app_context():
        db.session.execute(db.update(Delivery).values(
            received_at=utcnow() - timedelta(days=400), apply_state=FAILED))
        db.session.commit()
        assert deliveries.prune(30, 90)[1] == 0
        db.session.commit()
    assert count(app, Delivery) == 1


# ---- Failing integrations ---------------------------------------------------------------------------

def test_five_refusals_in_a_row_mark_an_integration_failing_until_one_is_accepted(
        app, logged_in, network, server):
    connect_tebex(app, server.id)
    for n in range(health.FAILURES):
        assert post_tebex(logged_in, server.project_id, tebex_payment(n),
                          secret="pasted wrong").status_code == 401
    with app.app_context():
        integration = db.session.scalars(select(Integration)).one()
        assert integration.failing_since is not None
    assert outbox_kinds(app) == ["integration.failing"]
    for page in (f"/servers/{server.id}", f"/networks/{network}"):
        assert "deliveries to <strong>Lobby</strong>\n    are failing" in logged_in.get(page).text

    post_tebex(logged_in, server.project_id, tebex_payment(9))  # the right secret again
    with app.app_context():
        integration = db.session.scalars(select(Integration)).one()
        assert (integration.failing_since, integration.failures_in_row) == (None, 0)
    assert "are failing" not in logged_in.get(f"/servers/{server.id}").text
    assert outbox_kinds(app) == ["integration.failing"]  # announced once


def test_an_accepted_delivery_ends_a_run_of_refusals_that_began_since_it_was_last_read(
        app, client, server):
    """The first refusal after a good delivery is not in the integration this process keeps
    for two seconds (ledger.targets); the next accepted one still ends the run."""
    connect_tebex(app, server.id)
    assert post_tebex(client, server.project_id, tebex_payment(1)).status_code == 200
    assert post_tebex(client, server.project_id, tebex_payment(2),
                      secret="pasted wrong").status_code == 401
    assert post_tebex(client, server.project_id, tebex_payment(3)).status_code == 200
    for n in range(health.FAILURES - 1):
        assert post_tebex(client, server.project_id, tebex_payment(10 + n),
                          secret="pasted wrong").status_code == 401
    with app.app_context():
        integration = db.session.scalars(select(Integration)).one()
        assert (integration.failures_in_row, integration.failing_since) == (
            health.FAILURES - 1, None)
    assert "integration.failing" not in outbox_kinds(app)


def test_an_active_integration_silent_for_a_day_is_failing(app, client, server):
    connect_tebex(app, server.id)
    post_tebex(client, server.project_id, tebex_payment(1))
    with app.app_context():
        assert health.flag_silent() == 0
        assert health.flag_silent(utcnow() + timedelta(days=1, minutes=1)) == 1
        db.session.commit()
        assert health.flag_silent(utcnow() + timedelta(days=2)) == 0  # flagged once
    assert outbox_kinds(app) == ["integration.failing"]


def test_a_secret_fixed_meanwhile_is_used_for_the_next_delivery(app, client, server):
    connect_tebex(app, server.id)
    assert post_tebex(client, server.project_id, tebex_payment(1), secret=TEBEX_SECRET + "x") \
        .status_code == 401
    assert post_tebex(client, server.project_id, tebex_payment(1)).status_code == 200


# ---- Fan-out while a backlog is applied ---------------------------------------------------------

def test_while_rounds_keep_applying_fan_out_waits_and_an_idle_round_does_it(app, client, server):
    connect_tebex(app, server.id)
    worker = Worker(app, holder="test-worker")
    not_fanned_out = OutboxEvent.fanned_out_at.is_(None)
    with app.app_context():
        worker.tick()  # takes the lease; an idle round fans out (nothing yet)
    post_tebex(client, server.project_id, tebex_payment(1))
    with app.app_context():
        assert worker.tick() == 1  # applied: busy, and the last fan-out was just now
    assert count(app, Purchase) == 1
    assert count(app, OutboxEvent, not_fanned_out) == 1
    with app.app_context():
        worker.tick()  # nothing left to apply: fans out at once
    assert count(app, OutboxEvent, not_fanned_out) == 0
    post_tebex(client, server.project_id, tebex_payment(2))
    worker.next_fan_out = 0.0  # as after BUSY_FAN_OUT_SECONDS: a busy round fans out too
    with app.app_context():
        worker.tick()
    assert count(app, Purchase) == 2
    assert count(app, OutboxEvent, not_fanned_out) == 0


# ---- What a round looks for ---------------------------------------------------------------------

def test_a_round_finds_each_kind_of_work_and_only_what_is_due(app, network):
    """The cheap reads that decide whether a round takes the write lock (prepared statements
    on a connection of their own)."""
    def looks():
        return (loop._found(loop._DUTIES_WAITING, now=utcnow()), loop._found(loop._UNFANNED),
                loop._found(loop._SENDS_DUE, now=utcnow()))

    with app.app_context():
        assert looks() == ((False, False), (False,), (False,))
        jobs.enqueue(jobs.RECOUNT, network)
        db.session.commit()
        job = db.session.scalars(select(jobs.Job)).one()
        assert looks()[0] == (False, True)
        job.run_at = utcnow() + timedelta(minutes=5)
        db.session.commit()
        assert looks()[0] == (False, False)  # not due yet
        outbox.emit(network, outbox.PURCHASE, {"amount_minor": 100})
        db.session.commit()
        event = db.session.scalars(select(OutboxEvent)).one()
        assert looks()[1] == (True,)
        event.fanned_out_at = utcnow()
        send = Send(event_id=event.id, target=WEBHOOK, target_id=1, body={}, status=PENDING,
                    next_attempt_at=utcnow() + timedelta(minutes=5))
        db.session.add(send)
        db.session.commit()
        assert looks()[1:] == ((False,), (False,))  # its retry is not due yet
        send.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert looks()[2] == (True,)
        send.status, send.locked_until = SENDING, utcnow() + timedelta(minutes=1)
        db.session.commit()
        assert looks()[2] == (False,)  # another worker is sending it
        send.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert looks()[2] == (True,)  # that worker died: its lock ran out
