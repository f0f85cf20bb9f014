"""Replaying refused deliveries from an integration's log: through the same verification,
with today's secret, as a new attempt that stays idempotent; bounded copies; who may."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import runtime
from extensions import db
from ledger import accounts, ingest, integrations, replay
from models import Delivery, Integration, Network, Purchase, ReplayCopy
from models.base import utcnow
from providers import custom
from tests.notify_helpers import TEBEX_SECRET, connect_tebex, post_tebex, tebex_payment
from tests.store_helpers import connect

PASTED_WRONG = "tbx-secret-typo"


def log_url(server, store="tebex"):
    return f"/servers/{server.id}/integrations/{store}/deliveries"


def paste_secret(client, server, secret):
    """The owner pastes the Tebex secret again (regenerate with a pasted secret)."""
    response = client.post(f"/servers/{server.id}/integrations/tebex/regenerate",
                           data={"secret": secret})
    assert response.status_code == 200, response.data


def attempts(app):
    with app.app_context():
        return [(d.status_code, d.outcome) for d in
                db.session.scalars(select(Delivery).order_by(Delivery.id))]


def purchase_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Purchase.id)))


def test_a_delivery_refused_for_a_wrong_secret_lands_once_replayed(app, logged_in, server):
    connect(app, server.id, "tebex", secret=PASTED_WRONG)
    assert post_tebex(logged_in, server.project_id, tebex_payment(1)).status_code == 401
    [(status, outcome)] = attempts(app)
    assert (status, outcome) == (401, "rejected") and purchase_count(app) == 0
    page = logged_in.get(log_url(server)).text
    assert "Replay all 1 failed deliveries" in page

    with app.app_context():
        [refused_id] = replay.replayable(server.id, "tebex")
    replayed = logged_in.post(f"{log_url(server)}/{refused_id}/replay", follow_redirects=True)
    assert b"401" in replayed.data and purchase_count(app) == 0  # still the wrong secret

    paste_secret(logged_in, server, TEBEX_SECRET)
    with app.app_context():
        [refused_id] = replay.replayable(server.id, "tebex")  # the second refusal's copy
    replayed = logged_in.post(f"{log_url(server)}/{refused_id}/replay", follow_redirects=True)
    assert b"200 accepted" in replayed.data
    assert purchase_count(app) == 1
    assert attempts(app) == [(401, "rejected"), (401, "rejected"), (200, "accepted")]
    with app.app_context():
        assert replay.replayable(server.id, "tebex") == {}  # nothing left to replay


def test_a_replay_of_a_delivery_accepted_meanwhile_is_a_duplicate(app, logged_in, server):
    connect(app, server.id, "tebex", secret=PASTED_WRONG)
    payload = tebex_payment(1)
    post_tebex(logged_in, server.project_id, payload)
    paste_secret(logged_in, server, TEBEX_SECRET)
    assert post_tebex(logged_in, server.project_id, payload).json == {"status": "accepted"}
    response = logged_in.post(f"{log_url(server)}/replay", follow_redirects=True)
    assert b"Replayed 1 deliveries" in response.data and b"200 duplicate" in response.data
    assert purchase_count(app) == 1


def test_replay_never_skips_verification(app, logged_in, server):
    """A forged delivery (signed with a guess) stays refused however often it is replayed."""
    connect_tebex(app, server.id)
    assert post_tebex(logged_in, server.project_id, tebex_payment(1),
                      secret="attacker's guess").status_code == 401
    for _ in range(3):
        logged_in.post(f"{log_url(server)}/replay")
    assert purchase_count(app) == 0
    assert {status for status, _ in attempts(app)} == {401}


def test_enderpay_deliveries_say_they_cannot_be_replayed(app, logged_in, server):
    connect(app, server.id, "enderpay", settings={"currency": "EUR"})
    body = json.dumps({"event": "STORE_PACKAGE_INITIAL", "data": {}}).encode()
    response = logged_in.post(f"/api/webhooks/enderpay?projectId={server.project_id}&token=bad",
                              data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    page = logged_in.get(log_url(server, "enderpay")).text
    assert "cannot be replayed" in page and "Replay all" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReplayCopy)) == 0


def test_copies_are_bounded_per_integration(app, client, server):
    connect(app, server.id, "tebex", secret=PASTED_WRONG)
    for n in range(replay.COPIES + 5):
        post_tebex(client, server.project_id, tebex_payment(n))
    with app.app_context():
        kept = sorted(replay.replayable(server.id, "tebex"))
        newest = db.session.scalars(select(Delivery.id).order_by(Delivery.id.desc())
                                    .limit(replay.COPIES)).all()
    assert kept == sorted(newest)


def test_members_and_strangers_cannot_replay(app, client, auth, server, other_network):
    connect(app, server.id, "tebex", secret=PASTED_WRONG)
    post_tebex(client, server.project_id, tebex_payment(1))
    with app.app_context():
        accounts.create_user("member@example.com", "member password long")
        accounts.add_member(db.session.get(Network, server.network_id), "member@example.com")
        db.session.commit()
        [refused_id] = replay.replayable(server.id, "tebex")
    auth.login("member@example.com", "member password long")
    assert "Replay" not in client.get(log_url(server)).text
    assert client.post(f"{log_url(server)}/{refused_id}/replay").status_code == 403
    assert client.post(f"{log_url(server)}/replay").status_code == 403
    auth.logout()
    auth.login("stranger@example.com", "another long password")
    assert client.post(f"{log_url(server)}/{refused_id}/replay").status_code in (403, 404)
    with app.app_context():
        assert replay.replayable(server.id, "tebex") == {refused_id: "copy"}


def test_a_delivery_that_did_not_fail_cannot_be_replayed(app, logged_in, server):
    connect_tebex(app, server.id)
    post_tebex(logged_in, server.project_id, tebex_payment(1))
    with app.app_context():
        accepted_id = db.session.scalar(select(Delivery.id))
    assert logged_in.post(f"{log_url(server)}/{accepted_id}/replay").status_code == 404


def _refused_custom_delivery(app, logged_in, server, days_ago: int) -> int:
    """A Custom purchase without a timestamp, signed with a secret Tally does not have, sent
    ``days_ago``; the refused delivery's id."""
    connect(app, server.id, "custom", secret="the-secret-tally-has")
    body = json.dumps({"transaction_id": "cx-1", "username": "Notch", "amount": 5,
                       "currency": "EUR"}).encode()
    response = logged_in.post(f"/api/webhooks/custom?projectId={server.project_id}", data=body,
                              headers={"X-Signature": custom.sign(body, "the-checkout-s-secret"),
                                       "Content-Type": "application/json"})
    assert response.status_code == 401
    with app.app_context():
        delivery = db.session.scalars(select(Delivery)).one()
        delivery.received_at = utcnow() - timedelta(days=days_ago)
        integration = db.session.scalars(select(Integration)).one()
        integrations.regenerate(integration, runtime.secret_box(), "the-checkout-s-secret")
        db.session.commit()
        return delivery.id


def test_a_replayed_purchase_without_a_time_is_dated_when_the_store_sent_it(app, logged_in,
                                                                            server):
    refused_id = _refused_custom_delivery(app, logged_in, server, days_ago=3)
    replayed = logged_in.post(f"{log_url(server, 'custom')}/{refused_id}/replay",
                              follow_redirects=True)
    assert b"200 accepted" in replayed.data
    with app.app_context():
        sent = db.session.get(Delivery, refused_id).received_at
        purchase = db.session.scalars(select(Purchase)).one()
        assert purchase.purchased_at == sent  # not the time of the replay
        assert utcnow() - purchase.purchased_at > timedelta(days=2)


def test_a_replay_that_fails_unexpectedly_keeps_the_copy(app, logged_in, server, monkeypatch):
    refused_id = _refused_custom_delivery(app, logged_in, server, days_ago=0)

    def broken(*args, **kwargs):
        raise RuntimeError("the pipeline broke")

    monkeypatch.setattr(ingest, "receive", broken)
    with pytest.raises(RuntimeError):
        logged_in.post(f"{log_url(server, 'custom')}/{refused_id}/replay")
    with app.app_context():
        assert replay.replayable(server.id, "custom") == {refused_id: "copy"}
    monkeypatch.undo()
    assert b"200 accepted" in logged_in.post(f"{log_url(server, 'custom')}/{refused_id}/replay",
                                             follow_redirects=True).data
    assert purchase_count(app) == 1
