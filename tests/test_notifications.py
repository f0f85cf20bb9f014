"""Discord alerts and owners' endpoints, against fake receivers on 127.0.0.1: the exact bytes,
headers and signatures, Discord's 429, a receiver that is down for a while, filters, the
template, Send test from the page and the CLI, and who may change what."""
import json
import socket
import threading
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug.serving import make_server

import runtime
from extensions import db
from ledger import (accounts, alerts, exchange_rates, fanout, messages, outbox, receipts,
                    sending)
from ledger.alerts import AlertError, check_discord_url, hint
from ledger.campaigns import create_campaign
from ledger.servers import create_server
from models import DiscordAlert, Network, OutboxEvent, Send, WebhookEndpoint
from models.base import utcnow
from tests.conftest import make_app
from tests.fakes import FakeReceiver, receiver
from tests.revenue_data import add_player
from tests.store_helpers import add_creator
from tests.notify_helpers import connect_tebex, outbox_kinds, post_tebex, sends, tebex_payment, work
from worker.loop import deliver

HOOK_PATH = "/api/webhooks/1234567890/s3cr3t-t0ken"


@pytest.fixture
def app(backend, tmp_path, request):
    """Outbound calls may reach the fakes on 127.0.0.1 (TALLY_OUTBOUND_ALLOW_PRIVATE=1)."""
    application = make_app(backend, tmp_path, request, OUTBOUND_ALLOW_PRIVATE=True,
                           OUTBOUND_TIMEOUT=3)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def fake():
    with receiver() as (fake_receiver, base):
        fake_receiver.base = base
        yield fake_receiver


def add_discord(client, network_id, url, **fields):
    data = {"url": url, "topics": fields.pop("topics", ["purchases"]), **fields}
    return client.post(f"/networks/{network_id}/notifications/discord", data=data)


def add_endpoint(client, network_id, url, kinds=()):
    response = client.post(f"/networks/{network_id}/notifications/webhooks",
                           data={"url": url, "kinds": list(kinds)})
    assert response.status_code == 200, response.data
    page = response.get_data(as_text=True)
    return page[page.index("whsec_"):].split("<")[0].strip()


# ---- Discord URLs --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://discord.com/api/webhooks/123/abc",
    "https://discordapp.com/api/webhooks/123/abc",
    "https://ptb.discord.com/api/v10/webhooks/123/abc",
    "https://discord.com:443/api/webhooks/123/a-b_C9",
    "https://discord.com/api/webhooks/123/abc?thread_id=456",
])
def test_a_discord_webhook_url_is_accepted(url):
    assert check_discord_url(url) == url
    assert hint(url) == f"{urlsplit(url).hostname}/…/123"


@pytest.mark.parametrize("url", [
    "https://discord.com/api/webhooks/123/s3cr3tTOKEN/github",
    "https://discord.com/api/webhooks/123/s3cr3tTOKEN/slack",
    "https://discord.com/api/webhooks/123/s3cr3tTOKEN/",
])
def test_a_path_after_the_token_is_refused_so_no_hint_can_show_the_token(url):
    with pytest.raises(AlertError):
        check_discord_url(url)


@pytest.mark.parametrize("url, allow_private", [
    ("http://discord.com/api/webhooks/123/abc", False),  # not https
    ("https://discord.com.evil.example/api/webhooks/123/abc", False),
    ("https://evil.example/api/webhooks/123/abc", False),
    ("https://discord.com/channels/123/456", False),  # not a webhook
    ("https://discord.com/api/webhooks/123/", False),  # no token
    ("http://127.0.0.1:9000/api/webhooks/1/t", False),  # loopback only when allowed
    ("http://10.0.0.8/api/webhooks/1/t", True),  # a LAN address is never a Discord URL
    ("https://discord.com/api/x/webhooks/123/abc", False),  # webhooks in the wrong place
    ("https://discord.com/api/webhooks/abc/def", False),  # the id is a number
    ("https://discord.com/api/webhooks/123/a.b", False),  # not a token's characters
    ("https://discord.com:8443/api/webhooks/123/abc", False),
    ("https://discord.com:x/api/webhooks/123/abc", False),
    ("https://user:pass@discord.com/api/webhooks/123/abc", False),
    ("", False),
])
def test_anything_else_is_refused(url, allow_private):
    with pytest.raises(AlertError):
        check_discord_url(url, allow_private)


def test_a_test_receiver_is_allowed_only_with_the_setting():
    assert check_discord_url("http://127.0.0.1:9000/api/webhooks/1/t", allow_private=True)


def test_a_bad_url_on_the_page_is_a_400_and_stores_nothing(app, logged_in, network):
    response = add_discord(logged_in, network, "https://example.com/hook")
    assert response.status_code == 400
    assert b"not a Discord webhook URL" in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DiscordAlert.id))) == 0


# ---- What Discord receives -----------------------------------------------------------------------

def test_a_purchase_reaches_discord_as_an_embed_without_email_or_links(
        app, logged_in, network, server, fake):
    template = "{player} paid {amount} {currency} for {items} on {server} via {store}; " \
               "campaign {campaign}, creator {creator}"
    assert add_discord(logged_in, network, fake.base + HOOK_PATH,
                       template=template).status_code == 302
    connect_tebex(app, server.id)
    assert post_tebex(logged_in, server.project_id, tebex_payment(1)).json == \
        {"status": "accepted"}
    work(app)

    [request] = fake.requests
    assert request["path"] == HOOK_PATH
    assert request["headers"]["content-type"] == "application/json"
    sent = json.loads(request["body"])
    [embed] = sent["embeds"]
    expected = {"embeds": [{
        "title": "New purchase",
        "description": "Notch paid 12.50 EUR for 1 × VIP on Lobby via tebex; "
                       "campaign none, creator none",
        "color": messages.COLORS["purchase.accepted"], "timestamp": embed["timestamp"]}],
        "allowed_mentions": {"parse": []}}
    assert request["body"] == json.dumps(expected).encode()  # the exact bytes
    assert b"buyer@example.com" not in request["body"]
    assert b"http" not in request["body"] and b"tally.test" not in request["body"]
    [send] = sends(app, "discord")
    assert (send.status, send.response_code, send.attempts) == ("sent", 204, 1)


def test_a_burst_is_batched_ten_embeds_a_message_and_none_is_lost(
        app, logged_in, network, server, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    connect_tebex(app, server.id)
    for n in range(25):
        post_tebex(logged_in, server.project_id, tebex_payment(n, username=f"Buyer{n}"))
    work(app)
    messages_sent = [json.loads(r["body"]) for r in fake.requests]
    assert [len(m["embeds"]) for m in messages_sent] == [10, 10, 5]
    described = [e["description"] for m in messages_sent for e in m["embeds"]]
    assert [d.split("**")[1] for d in described] == [f"Buyer{n}" for n in range(25)]
    assert all(len(json.dumps(m)) < 6000 for m in messages_sent)


def test_discords_429_retry_after_is_honoured(app, logged_in, network, server, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    connect_tebex(app, server.id)
    fake.answers = [(429, {"message": "You are being rate limited.", "retry_after": 1.7,
                           "global": False})]
    post_tebex(logged_in, server.project_id, tebex_payment(1))
    work(app)  # until idle: the send waits for what Discord said (not for a backoff)
    [waiting] = sends(app, "discord")
    wait = (waiting.next_attempt_at - waiting.created_at).total_seconds()
    assert waiting.status == "pending" and 1.7 <= wait < 2.5, wait
    work(app, until=lambda: any(r["status"] == 204 for r in fake.requests))
    first, second = fake.requests
    assert (first["status"], second["status"]) == (429, 204)
    assert second["at"] - first["at"] >= 1.7
    assert first["body"] == second["body"]
    [send] = sends(app, "discord")
    assert (send.status, send.attempts) == ("sent", 2)


def test_a_429_holds_every_waiting_send_to_that_webhook(app, logged_in, network, server, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    connect_tebex(app, server.id)
    fake.answers = [(429, {"retry_after": 0.6})]
    for n in range(3):
        post_tebex(logged_in, server.project_id, tebex_payment(n))
    with app.app_context():  # make the sends, then claim and post only the first
        fanout.fan_out()
        ids = sending.claim(60, limit=1)
        db.session.commit()
        deliver(ids, runtime.secret_box(), app.config)
    work(app, until=lambda: len(fake.json_bodies()) >= 1)
    later = [r for r in fake.requests if r["status"] == 204]
    assert later[0]["at"] - fake.requests[0]["at"] >= 0.6
    assert sum(len(b["embeds"]) for b in fake.json_bodies()) == 3


def test_a_429_holds_the_rest_of_the_same_claim_to_that_webhook(app, logged_in, network, server,
                                                                 fake):
    """25 alerts claimed at once are three messages (10, 10, 5 embeds): after the first is
    answered 429, the other two wait out its retry_after too instead of going at once."""
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    connect_tebex(app, server.id)
    fake.answers = [(429, {"retry_after": 0.6})]
    for n in range(25):
        post_tebex(logged_in, server.project_id, tebex_payment(n))
    with app.app_context():
        fanout.fan_out()
        ids = sending.claim(60, limit=100)
        db.session.commit()
        assert len(ids) == 25
        assert deliver(ids, runtime.secret_box(), app.config) == 10  # only the first posted
    assert len(fake.requests) == 1
    assert {s.status for s in sends(app)} == {"pending"}
    assert all(s.attempts <= 1 for s in sends(app))  # the held ones were not tried
    work(app, until=lambda: sum(len(b["embeds"]) for b in fake.json_bodies()) == 25)
    assert all(r["at"] - fake.requests[0]["at"] >= 0.6 for r in fake.requests[1:])
    assert sum(len(b["embeds"]) for b in fake.json_bodies()) == 25


# ---- Outbound safety ----------------------------------------------------------------------------

def _batch(url: str) -> sending.Batch:
    return sending.Batch([1], "discord", 1, url, b'{"embeds": []}',
                         {"Content-Type": "application/json"})


def test_a_send_to_a_private_address_is_refused_unless_allowed(fake):
    refused = sending.post(_batch(fake.base + HOOK_PATH), 3, allow_private=False)
    assert (refused.ok, refused.code) == (False, None)
    assert "does not resolve to a public address" in refused.error
    assert "TALLY_OUTBOUND_ALLOW_PRIVATE=1" in refused.error
    assert fake.requests == []
    assert sending.post(_batch(fake.base + HOOK_PATH), 3, allow_private=True).ok


def test_a_redirect_is_taken_as_the_answer_and_not_followed(fake):
    fake.answers = [(302, None, {"Location": fake.base + "/elsewhere"})]
    outcome = sending.post(_batch(fake.base + HOOK_PATH), 3, allow_private=True)
    assert (outcome.ok, outcome.code) == (False, 302)
    assert [r["path"] for r in fake.requests] == [HOOK_PATH]


def test_a_receiver_slower_than_the_timeout_is_a_failed_try(fake):
    fake.delay = 1.5
    started = time.monotonic()
    outcome = sending.post(_batch(fake.base + HOOK_PATH), 0.3, allow_private=True)
    assert time.monotonic() - started < 1.2
    assert (outcome.ok, outcome.code) == (False, None)
    assert "timed out" in outcome.error


def test_retries_back_off_exponentially_up_to_an_hour_with_jitter(monkeypatch):
    monkeypatch.setattr(sending.random, "uniform", lambda low, high: low)
    low = [sending.backoff(n).total_seconds() for n in (0, 1, 2, 3, 10, 11, 50)]
    monkeypatch.setattr(sending.random, "uniform", lambda low, high: high)
    high = [sending.backoff(n).total_seconds() for n in (1, 11)]
    assert low == [2.5, 2.5, 5, 10, 1280, 1800, 1800]  # 5 s doubling to 3,600 s, times 0.5
    assert high == [7.5, 5400]  # times 1.5
    monkeypatch.undo()
    assert len({sending.backoff(3) for _ in range(20)}) > 1  # spread out


# ---- The owner's endpoint ------------------------------------------------------------------------

def test_an_endpoint_gets_standard_webhooks_signed_json(app, logged_in, network, server, fake):
    secret = add_endpoint(logged_in, network, fake.base + "/tally")
    assert secret.startswith("whsec_")
    page = logged_in.get(f"/networks/{network}/notifications/").get_data(as_text=True)
    assert secret not in page  # shown once
    connect_tebex(app, server.id)
    post_tebex(logged_in, server.project_id, tebex_payment(7, amount=4.99, currency="USD"))
    work(app)

    [request] = fake.requests
    headers = request["headers"]
    payload = Webhook(secret).verify(request["body"], headers)
    with app.app_context():
        event = db.session.scalars(db.select(OutboxEvent)).one()
        assert headers["webhook-id"] == payload["id"] == event.uid
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert payload["type"] == "purchase.accepted"
    assert payload["data"]["amount"] == "4.99" and payload["data"]["currency"] == "USD"
    assert payload["data"]["transaction_id"] == "tbx-7" and payload["data"]["server"] == "Lobby"
    assert "email" not in payload["data"] and "amount_minor" not in payload["data"]
    assert b"buyer@example.com" not in request["body"]
    with pytest.raises(WebhookVerificationError):  # a different secret does not verify
        Webhook("whsec_" + "A" * 32).verify(request["body"], headers)


def test_a_rotated_secret_signs_from_then_on(app, logged_in, network, server, fake):
    old = add_endpoint(logged_in, network, fake.base + "/tally")
    with app.app_context():
        endpoint_id = db.session.scalar(db.select(WebhookEndpoint.id))
    page = logged_in.post(f"/networks/{network}/notifications/webhooks/{endpoint_id}/rotate")
    text = page.get_data(as_text=True)
    new = text[text.index("whsec_"):].split("<")[0].strip()
    assert new != old and page.headers["Cache-Control"] == "no-store"
    connect_tebex(app, server.id)
    post_tebex(logged_in, server.project_id, tebex_payment(1))
    work(app)
    [request] = fake.requests
    Webhook(new).verify(request["body"], request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request["body"], request["headers"])


def test_an_endpoint_gets_only_the_kinds_it_chose(app, logged_in, network, server, fake):
    add_endpoint(logged_in, network, fake.base + "/refunds", kinds=["purchase.refunded"])
    connect_tebex(app, server.id)
    post_tebex(logged_in, server.project_id, tebex_payment(1))
    post_tebex(logged_in, server.project_id, tebex_payment(1, kind="payment.refunded"))
    work(app)
    assert [b["type"] for b in fake.json_bodies()] == ["purchase.refunded"]
    assert outbox_kinds(app) == ["purchase.accepted", "purchase.refunded"]


def test_a_receiver_that_is_down_gets_everything_once_it_is_back(
        app, logged_in, network, server, monkeypatch):
    monkeypatch.setattr(sending, "backoff", lambda attempts: timedelta(seconds=0.2))
    with socket.socket() as probe:  # a port nothing listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    add_endpoint(logged_in, network, f"http://127.0.0.1:{port}/tally")
    connect_tebex(app, server.id)
    for n in range(5):
        post_tebex(logged_in, server.project_id, tebex_payment(n))
    work(app, until=lambda: max(s.attempts for s in sends(app)) >= 2)
    assert {s.status for s in sends(app)} == {"pending"}
    tried = [s for s in sends(app) if s.attempts]
    assert len(tried) < 5  # the first refusal holds the others: a try per backoff, not per send
    assert all("refused" in (s.error or "").lower() for s in tried)

    fake = FakeReceiver()
    fake.answers = [(503, None)]  # back, but not quite ready
    server_back = make_server("127.0.0.1", port, fake, threaded=True)
    thread = threading.Thread(target=server_back.serve_forever, daemon=True)
    thread.start()
    try:
        work(app, until=lambda: all(s.status == "sent" for s in sends(app)))
    finally:
        server_back.shutdown()
        thread.join(5)
    delivered = [b["data"]["transaction_id"] for b in fake.json_bodies()]
    assert sorted(delivered) == [f"tbx-{n}" for n in range(5)]


def test_a_destination_that_does_not_answer_does_not_hold_up_the_others(
        app, logged_in, network, server, fake):
    """20 events for a timing-out endpoint and a working Discord alert: the endpoint is tried
    once and held, and the 20 alerts go out in the same round."""
    app.config["OUTBOUND_TIMEOUT"] = 0.3
    with receiver() as (slow, slow_base):
        slow.delay = 1.0
        add_endpoint(logged_in, network, slow_base + "/tally")
        add_discord(logged_in, network, fake.base + HOOK_PATH)
        connect_tebex(app, server.id)
        for n in range(20):
            post_tebex(logged_in, server.project_id, tebex_payment(n))
        work(app, until=lambda: sum(len(b["embeds"]) for b in fake.json_bodies()) == 20)
        assert len(slow.requests) + sum(slow.in_flight.values()) == 1
    webhook_sends = sends(app, "webhook")
    assert {s.status for s in webhook_sends} == {"pending"} and len(webhook_sends) == 20
    assert sum(s.attempts for s in webhook_sends) == 1


def test_sends_whose_turn_would_outlast_the_claim_s_lock_are_given_back(
        app, logged_in, network, server, fake):
    app.config.update(SEND_LOCK_SECONDS=1, OUTBOUND_TIMEOUT=0.9)  # posting may last 0.1 s
    fake.delay = 0.2
    add_endpoint(logged_in, network, fake.base + "/tally")
    connect_tebex(app, server.id)
    for n in range(3):
        post_tebex(logged_in, server.project_id, tebex_payment(n))
    with app.app_context():
        fanout.fan_out()
        ids = sending.claim(1)
        db.session.commit()
        assert deliver(ids, runtime.secret_box(), app.config) == 1
    assert len(fake.requests) == 1
    assert sorted((s.status, s.attempts) for s in sends(app)) == [
        ("pending", 0), ("pending", 0), ("sent", 1)]


def test_a_worker_whose_lock_ran_out_leaves_the_next_claim_alone(
        app, logged_in, network, server, fake):
    """Worker 1 claims and is slow; its lock runs out and worker 2 claims the send again.
    Worker 1's late record and release must not touch worker 2's claim."""
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    connect_tebex(app, server.id)
    post_tebex(logged_in, server.project_id, tebex_payment(1))
    with app.app_context():
        fanout.fan_out()
        first = sending.batches(sending.claim(60), runtime.secret_box())
        db.session.execute(db.update(Send).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        second = sending.batches(sending.claim(60), runtime.secret_box())
        db.session.commit()
        assert [b.send_ids for b in second] == [b.send_ids for b in first]

        sending.record(first[0], sending.Outcome(False, 500, "", "HTTP 500"))
        sending.release(first[0].send_ids, first[0].locked_until)
        db.session.commit()
        send = db.session.scalars(db.select(Send)).one()
        assert (send.status, send.attempts, send.response_code) == ("sending", 2, None)

        sending.record(second[0], sending.Outcome(True, 204, "", None))
        db.session.commit()
        assert db.session.scalars(db.select(Send)).one().status == "sent"


def test_a_failed_test_message_is_not_retried(app, logged_in, network, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    fake.default = (404, {"message": "Unknown Webhook", "code": 10015})
    with app.app_context():
        alert_id = db.session.scalar(db.select(DiscordAlert.id))
    logged_in.post(f"/networks/{network}/notifications/discord/{alert_id}/test")
    [send] = sends(app)
    assert (send.status, send.response_code) == ("failed", 404)
    fake.default = (204, None)
    work(app)
    assert len(fake.requests) == 1


def test_removing_a_destination_removes_its_sends_so_an_id_reused_later_gets_none(
        app, logged_in, network, server, fake):
    """On SQLite a new row may take a deleted row's id; a waiting send of the deleted alert
    must never reach the new one (which may be another Network's)."""
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    fake.default = (500, None)
    connect_tebex(app, server.id)
    post_tebex(logged_in, server.project_id, tebex_payment(1, username="SecretBuyer"))
    work(app, until=lambda: len(fake.requests) >= 1)
    with app.app_context():
        alert = db.session.scalars(db.select(DiscordAlert)).one()
        alert_id = alert.id
        alerts.delete(alert)
        db.session.commit()
        other = accounts.create_network(
            accounts.create_user("other@example.com", "other password long"), "Other")
        reused = DiscordAlert(id=alert_id, network_id=other.id, url_encrypted=b"x",
                              url_hint="discord.com/…/1", topics=["purchases"], template="t")
        db.session.add(reused)
        db.session.commit()
    assert sends(app) == []
    fake.default = (204, None)
    work(app)
    assert all(b"SecretBuyer" not in r["body"] for r in fake.requests[1:])


def test_a_send_that_keeps_failing_for_a_day_is_marked_failed_and_shown(
        app, logged_in, network, server, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    fake.default = (500, {"message": "boom"})
    connect_tebex(app, server.id)
    post_tebex(logged_in, server.project_id, tebex_payment(1))
    work(app)
    with app.app_context():
        send = db.session.scalars(db.select(Send)).one()
        assert send.status == "pending" and send.next_attempt_at > send.created_at
        send.created_at -= timedelta(hours=25)
        send.next_attempt_at = send.created_at
        db.session.commit()
        alert_id = send.target_id
    work(app)
    [send] = sends(app)
    assert (send.status, send.response_code, send.attempts) == ("failed", 500, 2)
    page = logged_in.get(f"/networks/{network}/notifications/discord/{alert_id}/log")
    assert b"failed" in page.data and b"boom" in page.data and b"HTTP 500" in page.data


# ---- Filters and the template --------------------------------------------------------------------

def test_minimum_amount_servers_and_topics_choose_what_is_sent(
        app, logged_in, network, server, fake):
    with app.app_context():
        other, _ = create_server(db.session.get(Network, network), "Survival")
        db.session.commit()
        other_id, other_project = other.id, other.project_id
    add_discord(logged_in, network, fake.base + "/api/webhooks/1/min", min_amount="10",
                min_currency="EUR")
    add_discord(logged_in, network, fake.base + "/api/webhooks/2/survival",
                servers=[str(other_id)])
    add_discord(logged_in, network, fake.base + "/api/webhooks/3/refunds", topics=["reversals"])
    connect_tebex(app, server.id)
    connect_tebex(app, other_id)
    post_tebex(logged_in, server.project_id, tebex_payment(1, amount=9.99))
    post_tebex(logged_in, server.project_id, tebex_payment(2, amount=10))
    post_tebex(logged_in, other_project, tebex_payment(3, amount=50))
    post_tebex(logged_in, server.project_id, tebex_payment(2, kind="payment.refunded"))
    work(app)

    def got(hook):
        return [e["description"].split(" EUR")[0].split("**")[-1]
                for body in fake.json_bodies(hook) for e in body["embeds"]]

    assert got("/1/min") == ["10.00", "50.00"]
    assert got("/2/survival") == ["50.00"]
    assert [e["title"] for b in fake.json_bodies("/3/refunds") for e in b["embeds"]] == ["Refund"]


def test_a_refund_alert_says_refunded_and_names_the_purchase_s_items_and_attribution(
        app, logged_in, network, server, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH, topics=["reversals"])
    add_endpoint(logged_in, network, fake.base + "/tally", kinds=["purchase.refunded"])
    with app.app_context():
        campaign = create_campaign(db.session.get(Network, network), "YouTube",
                                   hostnames=["yt.example.net"])
        add_player(server.id, "Notch", campaign.id)
        db.session.commit()
    add_creator(app, network, "STEVEYT", name="Steve")
    connect_tebex(app, server.id)
    for kind in ("payment.completed", "payment.refunded"):
        payload = tebex_payment(1, kind=kind)
        payload["subject"]["creator_code"] = "STEVEYT"
        assert post_tebex(logged_in, server.project_id, payload).status_code == 200
        work(app)

    [embed] = [e for body in fake.json_bodies(HOOK_PATH) for e in body["embeds"]]
    assert (embed["title"], embed["description"]) == (
        "Refund", "**Notch** was refunded **12.50 EUR** for 1 × VIP on Lobby (tebex). "
                  "Campaign: YouTube. Creator: Steve.")
    [event] = fake.json_bodies("/tally")
    assert event["type"] == "purchase.refunded"
    assert {key: event["data"][key] for key in ("amount", "items", "campaign", "creator")} == {
        "amount": "12.50", "items": [{"name": "VIP", "quantity": 1}], "campaign": "YouTube",
        "creator": "Steve"}


def test_a_refund_applied_in_the_same_batch_as_its_purchase_names_its_items(
        app, logged_in, network, server, fake):
    app.config["WORK_INLINE"] = False  # both wait, then one batch applies them
    add_discord(logged_in, network, fake.base + HOOK_PATH, topics=["purchases", "reversals"])
    connect_tebex(app, server.id)
    for kind in ("payment.completed", "payment.refunded"):
        assert post_tebex(logged_in, server.project_id, tebex_payment(1, kind=kind)).json == \
            {"status": "accepted"}
    with app.app_context():
        assert receipts.apply_waiting() == 2
        db.session.commit()
    assert outbox_kinds(app) == ["purchase.accepted", "purchase.refunded"]
    work(app)
    described = [e["description"] for b in fake.json_bodies() for e in b["embeds"]]
    assert [d.split(" for ")[1].split(" on ")[0] for d in described] == ["1 × VIP", "1 × VIP"]


def test_an_owner_s_own_template_is_used_for_refunds_as_written():
    refund = {"username": "Notch", "amount_minor": 500, "currency": "EUR", "items": []}
    embed = messages.discord_embed("{player}: {amount}", "purchase.refunded", refund, {},
                                   utcnow())
    assert embed["description"] == "Notch: 5.00"


def test_a_minimum_in_another_currency_is_compared_through_the_exchange_rates(
        app, logged_in, network, server, fake):
    """A 10 GBP minimum, display currency EUR, 1 GBP = 1.20 EUR: 11.00 EUR is below it, 12.50
    EUR is not; USD has no rate, so a USD purchase cannot be compared and is sent."""
    with app.app_context():
        exchange_rates.set_display_currency(db.session.get(Network, network), "EUR")
        exchange_rates.set_rate(network, "GBP", Decimal("1.2"))
        db.session.commit()
    add_discord(logged_in, network, fake.base + HOOK_PATH, min_amount="10", min_currency="GBP")
    connect_tebex(app, server.id)
    post_tebex(logged_in, server.project_id, tebex_payment(1, amount=11))
    post_tebex(logged_in, server.project_id, tebex_payment(2, amount=12.5))
    post_tebex(logged_in, server.project_id, tebex_payment(3, amount=1, currency="USD"))
    work(app)
    described = [e["description"] for b in fake.json_bodies() for e in b["embeds"]]
    assert [d.split("**")[3] for d in described] == ["12.50 EUR", "1.00 USD"]


def test_the_template_fills_placeholders_and_evaluates_nothing_else():
    filled = {"player": "@everyone {amount}", "amount": "5.00"}
    text = messages.render("{player} {amount} {player.__class__} {0} {amount!r} {nope} {{x}}",
                           filled)
    assert text == "@everyone {amount} 5.00 {player.__class__} {0} {amount!r} {nope} {{x}}"


def test_a_players_name_cannot_ping_the_channel(app, logged_in, network, server, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH, template="{player} bought")
    with app.app_context():
        outbox.emit(network, outbox.PURCHASE, {"username": "@everyone", "server_id": server.id,
                                               "amount_minor": 100, "currency": "USD"})
        fanout.fan_out()
        db.session.commit()
    work(app)
    [body] = fake.json_bodies()
    assert body["embeds"][0]["description"] == "@everyone bought"
    assert body["allowed_mentions"] == {"parse": []}  # Discord pings no one


def test_a_template_too_long_is_refused(app, logged_in, network, fake):
    response = add_discord(logged_in, network, fake.base + HOOK_PATH,
                           template="x" * (messages.MAX_TEMPLATE + 1))
    assert response.status_code == 400 and b"longer than" in response.data


# ---- Send test, the log, the CLI -----------------------------------------------------------------

def test_send_test_posts_now_and_shows_in_the_log(app, logged_in, network, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    with app.app_context():
        alert_id = db.session.scalar(db.select(DiscordAlert.id))
    response = logged_in.post(f"/networks/{network}/notifications/discord/{alert_id}/test",
                              follow_redirects=True)
    assert b"Test message sent." in response.data
    [body] = fake.json_bodies()
    assert body["embeds"][0]["title"] == "Test from Tally"
    log = logged_in.get(f"/networks/{network}/notifications/discord/{alert_id}/log")
    assert b"sent" in log.data and b"test" in log.data
    assert HOOK_PATH.encode() not in log.data  # the token is never shown


def test_a_failed_test_says_why(app, logged_in, network, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    fake.default = (404, {"message": "Unknown Webhook", "code": 10015})
    with app.app_context():
        alert_id = db.session.scalar(db.select(DiscordAlert.id))
    response = logged_in.post(f"/networks/{network}/notifications/discord/{alert_id}/test",
                              follow_redirects=True)
    assert b"was not accepted: HTTP 404" in response.data


def test_another_network_s_alert_and_endpoint_are_404_under_one_s_own_network(
        app, logged_in, network, other_network, fake):
    """Their ids under our own Network's URLs: every page and action is a 404, and nothing of
    theirs changes or is sent."""
    with app.app_context():
        box = runtime.secret_box()
        alert = DiscordAlert(network_id=other_network.id, url_encrypted=box.encrypt(
            fake.base + HOOK_PATH), url_hint="127.0.0.1/…/1234567890", topics=["purchases"],
            template="Theirs")
        endpoint = WebhookEndpoint(network_id=other_network.id, url=fake.base + "/theirs",
                                   secret_encrypted=box.encrypt("whsec_theirs"),
                                   topics=["purchase.accepted"])
        db.session.add_all([alert, endpoint])
        db.session.commit()
        alert_id, endpoint_id = alert.id, endpoint.id
    base = f"/networks/{network}/notifications"
    for method, path in [("post", f"/discord/{alert_id}"), ("post", f"/discord/{alert_id}/test"),
                         ("post", f"/discord/{alert_id}/delete"),
                         ("get", f"/discord/{alert_id}/log"),
                         ("post", f"/webhooks/{endpoint_id}/rotate"),
                         ("post", f"/webhooks/{endpoint_id}/delete"),
                         ("get", f"/webhooks/{endpoint_id}/log")]:
        response = getattr(logged_in, method)(base + path, data={"url": "", "topics": []})
        assert response.status_code == 404, (method, path, response.status_code)
        assert b"Theirs" not in response.data and b"whsec_" not in response.data
    with app.app_context():
        assert db.session.get(DiscordAlert, alert_id).template == "Theirs"
        assert runtime.secret_box().decrypt(
            db.session.get(WebhookEndpoint, endpoint_id).secret_encrypted) == "whsec_theirs"
    assert fake.requests == []


def test_a_destination_s_log_pages_back_through_every_send(app, logged_in, network, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    with app.app_context():
        alert = db.session.scalars(db.select(DiscordAlert)).one()
        for n in range(51):
            event = OutboxEvent(uid=f"evt_page{n:03d}", network_id=network, kind="test",
                                data={}, fanned_out_at=utcnow())
            db.session.add(event)
            db.session.flush()
            db.session.add(Send(event_id=event.id, target="discord", target_id=alert.id,
                                status="sent", attempts=1, body={}))
        db.session.commit()
        log = f"/networks/{network}/notifications/discord/{alert.id}/log"
    first = logged_in.get(log).get_data(as_text=True)
    assert "evt_page050" in first and "evt_page000" not in first and "Page 1 of 2" in first
    second = logged_in.get(log + "?page=2").get_data(as_text=True)
    assert "evt_page000" in second and "evt_page050" not in second and "← Newer" in second


def test_the_cli_adds_lists_and_tests(app, runner, network, server, fake):
    url = fake.base + HOOK_PATH
    result = runner.invoke(args=["notifications", "discord", str(network), url, "--server",
                                 server.project_id, "--min-amount", "5 EUR",
                                 "--template", "{player} bought {items}", "--json"])
    assert result.exit_code == 0, result.output
    added = json.loads(result.output)
    with app.app_context():
        assert db.session.get(DiscordAlert, added["id"]).template == "{player} bought {items}"
    assert added["channel"].startswith("127.0.0.1/") and "s3cr3t" not in result.output
    assert (added["servers"], added["min_amount"]) == ([server.id], "5.00 EUR")

    listed = json.loads(runner.invoke(args=["notifications", "list", "Test Network",
                                            "--json"]).output)
    assert [a["id"] for a in listed["discord"]] == [added["id"]]
    assert "s3cr3t" not in json.dumps(listed)

    tested = runner.invoke(args=["notifications", "test", str(added["id"]), "--json"])
    assert tested.exit_code == 0 and json.loads(tested.output)["status"] == "sent"
    assert fake.json_bodies()[0]["embeds"][0]["title"] == "Test from Tally"

    fake.default = (500, None)
    assert runner.invoke(args=["notifications", "test", str(added["id"])]).exit_code == 1


def test_the_cli_refuses_a_bad_url_and_an_unknown_network(app, runner, network):
    bad = runner.invoke(args=["notifications", "discord", str(network), "https://x.example/"])
    assert bad.exit_code != 0 and "not a Discord webhook URL" in bad.output
    assert runner.invoke(args=["notifications", "list", "No Such Network"]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DiscordAlert.id))) == 0


def test_the_cli_webhook_prints_its_secret_once(app, runner, network):
    result = runner.invoke(args=["notifications", "webhook", str(network),
                                 "https://example.net/tally", "--json"])
    secret = json.loads(result.output)["secret"]
    assert secret.startswith("whsec_")
    listed = runner.invoke(args=["notifications", "list", str(network), "--json"]).output
    assert secret not in listed


# ---- Who may do what -----------------------------------------------------------------------------

def test_members_see_but_do_not_change_notifications(app, client, auth, network, fake):
    with app.app_context():
        accounts.create_user("member@example.com", "member password long")
        accounts.add_member(db.session.get(Network, network), "member@example.com")
        alert = DiscordAlert(network_id=network, topics=["purchases"], template="x",
                             url_hint="h", url_encrypted=b"")
        db.session.add(alert)
        db.session.commit()
        alert_id = alert.id
    auth.login("member@example.com", "member password long")
    assert client.get(f"/networks/{network}/notifications/").status_code == 200
    assert add_discord(client, network, fake.base + HOOK_PATH).status_code == 403
    for action in ("test", "delete"):
        url = f"/networks/{network}/notifications/discord/{alert_id}/{action}"
        assert client.post(url).status_code == 403
    assert fake.requests == []


def test_a_discord_url_is_stored_encrypted(app, logged_in, network, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    with app.app_context():
        alert = db.session.scalars(db.select(DiscordAlert)).one()
        assert b"s3cr3t" not in bytes(alert.url_encrypted) and "s3cr3t" not in alert.url_hint
    assert alerts.hint("https://discord.com/api/webhooks/42/tok") == "discord.com/…/42"


def test_an_owner_removes_a_discord_alert_and_an_endpoint(app, logged_in, network, fake):
    add_discord(logged_in, network, fake.base + HOOK_PATH)
    add_endpoint(logged_in, network, fake.base + "/hook")
    with app.app_context():
        alert_id = db.session.scalar(db.select(DiscordAlert.id))
        endpoint_id = db.session.scalar(db.select(WebhookEndpoint.id))
    base = f"/networks/{network}/notifications"
    assert logged_in.post(f"{base}/colour/{alert_id}/delete").status_code == 404
    done = logged_in.post(f"{base}/discord/{alert_id}/delete", follow_redirects=True)
    assert "Discord alert removed." in done.text
    done = logged_in.post(f"{base}/webhook/{endpoint_id}/delete", follow_redirects=True)
    assert "Endpoint removed." in done.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DiscordAlert.id))) == 0
        assert db.session.scalar(db.select(db.func.count(WebhookEndpoint.id))) == 0
