"""The webhook endpoint over HTTP: the seed's status table, body limits, the log, both stores."""
import io
import json
from datetime import datetime, timezone

import pytest

import runtime
from extensions import db
from ledger import integrations
from models import Campaign, Creator, Delivery, Integration, Player, Purchase, Server
from models.base import fold
from providers import craftingstore, custom


def connect(app, server_id, store="custom", **settings):
    with app.app_context():
        _, secret = integrations.connect(db.session.get(Server, server_id), store,
                                         runtime.secret_box(), settings=settings)
        db.session.commit()
        return secret


def send(client, project_id, body: bytes, signature: str | None, store="custom"):
    query = f"?projectId={project_id}" if project_id is not None else ""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Signature"] = signature
    return client.post(f"/api/webhooks/{store}{query}", data=body, headers=headers)


def signed(client, project_id, payload, secret, store="custom"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    module = {"custom": custom, "craftingstore": craftingstore}[store]
    return send(client, project_id, body, module.sign(body, secret), store)


ORDER = {"transaction_id": "order-123", "username": "PlayerName", "amount": 9.99, "currency": "USD",
         "items": [{"name": "Diamond Rank", "quantity": 1, "price": 9.99}],
         "email": "player@example.com", "timestamp": "2026-03-27T12:00:00Z"}


def purchases(app):
    with app.app_context():
        return db.session.scalars(db.select(Purchase).order_by(Purchase.id)).all()


# ---- The seed's Responses table, one row at a time ----

def test_200_accepted_then_200_already_processed(app, client, server):
    secret = connect(app, server.id)
    assert (r := signed(client, server.project_id, ORDER, secret)).status_code == 200
    assert r.json == {"status": "accepted"}
    assert (r := signed(client, server.project_id, ORDER, secret)).status_code == 200
    assert r.json == {"status": "duplicate"}
    [purchase] = purchases(app)
    assert (purchase.amount_minor, purchase.currency, purchase.email) == (999, "USD", "player@example.com")
    assert purchase.purchased_at == datetime(2026, 3, 27, 12, tzinfo=timezone.utc)


def test_duplicate_with_different_amount_changes_nothing(app, client, server):
    secret = connect(app, server.id)
    signed(client, server.project_id, ORDER, secret)
    assert signed(client, server.project_id, ORDER | {"amount": 50}, secret).json == {"status": "duplicate"}
    assert [p.amount_minor for p in purchases(app)] == [999]


@pytest.mark.parametrize("case", ["missing projectId", "empty projectId", "invalid JSON",
                                  "missing transaction_id", "missing username", "missing amount",
                                  "string amount", "negative amount", "over 1000000", "NaN amount"])
def test_400(app, client, server, case):
    secret = connect(app, server.id)
    payloads = {
        "invalid JSON": b'{"transaction_id": "x",',
        "missing transaction_id": {"username": "a", "amount": 1},
        "missing username": {"transaction_id": "a", "amount": 1},
        "missing amount": {"transaction_id": "a", "username": "b"},
        "string amount": {"transaction_id": "a", "username": "b", "amount": "9.99"},
        "negative amount": {"transaction_id": "a", "username": "b", "amount": -0.01},
        "over 1000000": {"transaction_id": "a", "username": "b", "amount": 1000000.01},
        "NaN amount": b'{"transaction_id":"a","username":"b","amount":NaN}',
    }
    project_id = {"missing projectId": None, "empty projectId": ""}.get(case, server.project_id)
    response = signed(client, project_id, payloads.get(case, ORDER), secret)
    assert response.status_code == 400 and response.json["error"]
    assert purchases(app) == []


def test_401_bad_missing_or_stale_signature(app, client, server):
    secret = connect(app, server.id)
    body = json.dumps(ORDER).encode()
    assert send(client, server.project_id, body, None).status_code == 401
    assert send(client, server.project_id, body, "deadbeef").status_code == 401
    assert send(client, server.project_id, body, custom.sign(body, "whsec_other")).status_code == 401
    assert send(client, server.project_id, body + b" ", custom.sign(body, secret)).status_code == 401
    # 401 wins over 400: an unsigned body is never parsed.
    assert send(client, server.project_id, b"garbage", "00").status_code == 401
    with app.app_context():
        reasons = [d.reason for d in db.session.scalars(db.select(Delivery))]
        assert reasons and all(secret not in r for r in reasons)
    assert purchases(app) == []


def test_404_unknown_server_or_not_enabled(app, client, server, other_network):
    secret = connect(app, server.id)
    assert signed(client, "no-such-project", ORDER, secret).status_code == 404
    assert signed(client, other_network.project_id, ORDER, secret).status_code == 404  # not enabled
    assert signed(client, server.project_id, ORDER, secret, "craftingstore").status_code == 404
    assert client.post(f"/api/webhooks/nostore?projectId={server.project_id}").status_code == 404
    assert purchases(app) == []


# ---- Matching and attribution ----

def test_player_campaign_and_creator_attribution(app, client, server):
    secret = connect(app, server.id, "craftingstore", currency="GBP")
    with app.app_context():
        campaign = Campaign(network_id=server.network_id, name="Summer")
        db.session.add(campaign)
        db.session.flush()
        db.session.add(Player(server_id=server.id, username="Steve", username_key=fold("Steve"),
                              campaign_id=campaign.id))
        db.session.add(Creator(network_id=server.network_id, name="Alex", code="ALEX10",
                               code_key=fold("ALEX10")))
        db.session.commit()
        campaign_id = campaign.id
    payload = json.loads(craftingstore.PAYLOAD_TEMPLATE) | {
        "transaction_id": "cs-1", "in_game_name": "STEVE", "price": "12.50", "coupon": "alex10",
        "uuid": "069a79f4-44e9-4726-a5be-fca90e38aaf5", "gateway": "paypal", "payment_name": "VIP"}
    assert signed(client, server.project_id, json.dumps(payload, separators=(",", ":")).encode(),
                  secret, "craftingstore").json == {"status": "accepted"}
    unmatched = payload | {"transaction_id": "cs-2", "in_game_name": "Nobody", "coupon": "{coupon}"}
    assert signed(client, server.project_id, json.dumps(unmatched).encode(), secret,
                  "craftingstore").status_code == 200
    first, second = purchases(app)
    assert (first.amount_minor, first.currency, first.campaign_id) == (1250, "GBP", campaign_id)
    assert first.player_id is not None and first.creator_id is not None
    assert first.coupon == "alex10" and first.uuid == "069a79f4-44e9-4726-a5be-fca90e38aaf5"
    assert first.extra == {"payment_name": "VIP", "gateway": "paypal"}
    assert (second.player_id, second.campaign_id, second.creator_id, second.coupon) == (None, None, None, None)


# ---- Body size: 413 without reading the whole body ----

class CountingStream(io.RawIOBase):
    """An endless body that counts what the app reads from it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), 4096)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def test_413_on_declared_length_reads_nothing(app, client, server):
    connect(app, server.id)
    stream = CountingStream()
    response = client.post(f"/api/webhooks/custom?projectId={server.project_id}",
                           headers={"X-Signature": "x"},
                           environ_overrides={"wsgi.input": stream,
                                              "CONTENT_LENGTH": str(10 * 1024 * 1024)})
    assert response.status_code == 413 and stream.read_bytes == 0
    with app.app_context():
        delivery = db.session.scalar(db.select(Delivery))
        assert (delivery.status_code, delivery.outcome, delivery.body) == (413, "rejected", None)
        assert delivery.server_id == server.id


def test_413_on_chunked_body_stops_after_the_limit(app, client, server):
    connect(app, server.id)
    limit = app.config["WEBHOOK_MAX_BYTES"]
    stream = CountingStream()  # endless, no Content-Length: what a chunked upload looks like
    response = client.post(f"/api/webhooks/custom?projectId={server.project_id}",
                           headers={"X-Signature": "x", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input": stream, "wsgi.input_terminated": True})
    assert response.status_code == 413
    assert limit < stream.read_bytes <= limit + 4096


def test_body_at_the_limit_is_read_whole(app, client, server):
    secret = connect(app, server.id)
    limit = app.config["WEBHOOK_MAX_BYTES"]
    payload = ORDER | {"email": None}
    body = json.dumps(payload).encode()
    body = body[:-1] + b" " * (limit - len(body)) + b"}"
    assert len(body) == limit
    assert signed(client, server.project_id, body, secret).status_code == 200


# ---- The delivery log ----

def test_every_attempt_is_logged_with_latency(app, client, server):
    secret = connect(app, server.id)
    signed(client, server.project_id, ORDER, secret)
    signed(client, server.project_id, ORDER, secret)
    signed(client, server.project_id, ORDER, "bad")
    signed(client, server.project_id, {"username": "x"}, secret)
    with app.app_context():
        rows = db.session.scalars(db.select(Delivery).order_by(Delivery.id)).all()
        assert [(d.status_code, d.outcome) for d in rows] == [
            (200, "accepted"), (200, "duplicate"), (401, "rejected"), (400, "rejected")]
        assert all(d.latency_ms is not None and 0 <= d.latency_ms < 5000 for d in rows)
        assert rows[0].transaction_id == "order-123" and rows[0].body == json.dumps(ORDER).encode()
        assert db.session.scalar(db.select(Purchase.delivery_id)) == rows[0].id
        integration = db.session.scalar(db.select(Integration))
        assert integration.last_delivery_at is not None


def test_rejected_deliveries_do_not_mark_the_integration_connected(app, client, server):
    connect(app, server.id)
    signed(client, server.project_id, ORDER, "bad")
    with app.app_context():
        assert db.session.scalar(db.select(Integration)).last_delivery_at is None


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_413_over_real_http_without_waiting_for_the_body(app, server, declared):
    """A live server answers 413 while the client has sent only part of a huge body."""
    import socket

    from tests.live import thread_server
    connect(app, server.id)
    limit = app.config["WEBHOOK_MAX_BYTES"]
    with thread_server(app) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            head = (f"POST /api/webhooks/custom?projectId={server.project_id} HTTP/1.1\r\n"
                    "Host: 127.0.0.1\r\nContent-Type: application/json\r\nX-Signature: x\r\n")
            head += ("Content-Length: 104857600\r\n" if declared else "Transfer-Encoding: chunked\r\n")
            sock.sendall(head.encode() + b"\r\n")
            chunk = b"x" * 8192
            for _ in range(limit // len(chunk) + 2):  # a bit over the limit of a 100 MB promise
                sock.sendall(chunk if declared else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            reply = b""
            while b"}" not in reply.partition(b"\r\n\r\n")[2]:  # the JSON reply, whole
                reply += sock.recv(65536)
            reply = reply.decode("latin-1")
    assert reply.startswith("HTTP/1.1 413"), reply[:200]
    assert "larger than" in reply
