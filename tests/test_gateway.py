"""CraftingStore custom payment gateway, against a fake CraftingStore on 127.0.0.1 (allowed by
GATEWAY_ALLOW_PRIVATE; the last tests check that it is refused without)."""
import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

import runtime
from events import PayloadError, SignatureError
from extensions import db
from ledger.gateway import confirmation, payments
from ledger.gateway import setup as gateway_setup
from ledger.outbound import is_public
from models import Adjustment, Delivery, Integration, PendingPayment, Purchase, Server
from models.base import utcnow
from providers import craftingstore_gateway as cs

SECRET = "cs-shared-secret-0123456789"
TEMPLATE = "https://pay.example.net/pay?tx={transactionId}&amount={amount}&pkg={package}"
TX = "ABCD-EFGH-1234-5678"


def hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeCraftingStore:
    """CraftingStore's confirmation endpoint: checks the signature and the bytes exactly."""

    def __init__(self, secret: str):
        self.secret, self.status, self.received = secret, 200, []

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        signature = environ.get("HTTP_X_SIGNATURE", "")
        self.received.append({"path": environ["PATH_INFO"], "body": body, "signature": signature,
                              "content_type": environ.get("CONTENT_TYPE")})
        tx = self._transaction_id(body)
        good = (tx is not None
                and body == b'{"type":"paid","transactionId":"' + tx.encode() + b'"}'
                and hmac.compare_digest(signature, hmac_hex(self.secret, body)))
        status = self.status if good else 403
        answer = json.dumps({"success": good and status == 200}).encode()
        start_response(f"{status} X", [("Content-Type", "application/json"),
                                       ("Content-Length", str(len(answer)))])
        return [answer]

    @staticmethod
    def _transaction_id(body: bytes):
        try:
            return json.loads(body).get("transactionId")
        except ValueError:
            return None


@pytest.fixture
def fake_store():
    store = FakeCraftingStore(SECRET)
    httpd = make_server("127.0.0.1", 0, store, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    store.url = f"http://127.0.0.1:{httpd.server_port}/api/gateway/confirm"
    yield store
    httpd.shutdown()
    thread.join(5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def connected(app, server, fake_store):
    """The gateway connected on ``server`` with SECRET pasted; returns the payment key."""
    app.config["GATEWAY_CONFIRM_TIMEOUT"] = 3
    app.config["GATEWAY_ALLOW_PRIVATE"] = True  # the fake CraftingStore is on 127.0.0.1
    with app.app_context():
        _, credentials = gateway_setup.connect(db.session.get(Server, server.id),
                                               runtime.secret_box(),
                                               TEMPLATE,
                                         fake_store.url, SECRET)
        db.session.commit()
        return credentials.payment_key


def callback(client, project_id, payload, secret=SECRET, signature=None):
    body = json.dumps(payload, indent=2).encode()  # CraftingStore's spacing must not matter
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers["X-Signature"] = signature or hmac_hex(secret, body)
    return client.post(f"/api/gateway/craftingstore?projectId={project_id}", data=body,
                       headers=headers)


def payload(kind="PENDING", tx=TX, price=900, **user):
    return {"type": kind, "transactionId": tx, "currency": "USD",
            "user": {"identifier": "1234567", "email": "buyer@example.com", "firstName": "Dummy",
                     "lastName": None, "billingCountry": None, **user},
            "package": {"name": "VIP & Kit", "notes": None, "price": price},
            "webhook": {"failedUrl": "https://shop.example.net/failed",
                        "successUrl": "https://shop.example.net/ok"}}


def counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(db.select(db.func.count(model.id)))
                for model in (PendingPayment, Purchase, Adjustment, Delivery)}


def payment_id(app, tx=TX):
    with app.app_context():
        return db.session.scalar(db.select(PendingPayment.id).filter_by(transaction_id=tx))


# --- the pure module --------------------------------------------------------------------------

def test_confirmation_bytes_and_signature():
    body = cs.confirmation_body("DUMMY-DUMMY-DUMMY")
    assert body == b'{"type":"paid","transactionId":"DUMMY-DUMMY-DUMMY"}'
    assert cs.confirmation_headers(body, "secretKey")["X-Signature"] == hmac_hex("secretKey", body)


def test_verify_and_parse():
    body = json.dumps(payload(username="Steve")).encode()
    cs.verify(body, {"X-Signature": hmac_hex(SECRET, body).upper()}, SECRET)
    for headers in ({}, {"X-Signature": "00"}, {"X-Signature": hmac_hex("other", body)}):
        with pytest.raises(SignatureError):
            cs.verify(body, headers, SECRET)
    event = cs.parse(body)[0]
    assert (event.type, event.transaction_id, event.amount_minor, event.currency,
            event.username, event.identifier) == ("PENDING", TX, 900, "USD", "Steve", "1234567")
    assert cs.parse(b'{"type":"charge-back","transactionId":"x"}')[0].amount_minor is None
    for bad in (b'{"type":"PENDING","transactionId":"x","currency":"USD","package":{"price":9.5}}',
                b'{"type":"PENDING","transactionId":"x","currency":"USD","package":{"price":-1}}',
                b'{"type":"REFUND","transactionId":"x"}', b'[]'):
        with pytest.raises(PayloadError):
            cs.parse(bad)


def test_payment_url_is_filled_in_and_encoded():
    event = cs.parse(json.dumps(payload(tx="A B&C/1")).encode())[0]
    assert cs.payment_url(TEMPLATE, event) == \
        "https://pay.example.net/pay?tx=A%20B%26C%2F1&amount=9.00&pkg=VIP%20%26%20Kit"
    with pytest.raises(ValueError):
        cs.check_template("https://x.example/pay?tx={transactionId}&p={password}")
    with pytest.raises(ValueError):
        cs.check_template("https://x.example/pay")
    with pytest.raises(ValueError):
        cs.check_url("javascript:alert(1)", "URL")


# --- the whole flow ---------------------------------------------------------------------------

def test_full_flow(app, client, server, fake_store, connected, logged_in):
    first = callback(client, server.project_id, payload())
    expected_url = ("https://pay.example.net/pay?tx=ABCD-EFGH-1234-5678"
                    "&amount=9.00&pkg=VIP%20%26%20Kit")
    assert first.status_code == 200
    assert first.json == {"success": True, "data": {"url": expected_url}}
    again = callback(client, server.project_id, payload())
    assert again.json == first.json
    assert counts(app) == {"PendingPayment": 1, "Purchase": 0, "Adjustment": 0, "Delivery": 2}

    page = client.get(f"/servers/{server.id}/payments")
    assert page.status_code == 200 and TX.encode() in page.data and b"Mark paid" in page.data
    assert b"9.00 USD" in page.data

    response = client.post(f"/servers/{server.id}/payments/{payment_id(app)}/paid",
                           follow_redirects=True)
    assert b"accepted the confirmation" in response.data
    assert len(fake_store.received) == 1
    sent = fake_store.received[0]
    assert sent["body"] == b'{"type":"paid","transactionId":"ABCD-EFGH-1234-5678"}'
    assert sent["signature"] == hmac_hex(SECRET, sent["body"])
    assert sent["content_type"] == "application/json"

    # CraftingStore then tells us it is paid: counted once.
    paid = callback(client, server.project_id, payload("PAID"))
    assert paid.status_code == 200 and paid.json == {"success": True}
    # Marking paid again does not confirm again.
    client.post(f"/servers/{server.id}/payments/{payment_id(app)}/paid")
    assert len(fake_store.received) == 1
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert (purchase.store, purchase.transaction_id, purchase.amount_minor, purchase.currency) \
            == ("craftingstore_gateway", TX, 900, "USD")
        assert purchase.username == "buyer@example.com" and purchase.player_id is None
        assert [i.name for i in purchase.items] == ["VIP & Kit"]
        payment = db.session.scalars(db.select(PendingPayment)).one()
        assert (payment.status, payment.confirm_attempts, payment.purchase_id) == \
            ("paid", 1, purchase.id)
        assert payment.paid_at is not None and payment.last_error is None

    for _ in range(2):  # a repeated CHARGE-BACK is idempotent
        back = callback(client, server.project_id, payload("CHARGE-BACK"))
        assert back.status_code == 200 and back.json == {"success": True}
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert (purchase.amount_minor, purchase.reversed_minor, purchase.net_minor) == (900, 900, 0)
        adjustment = db.session.scalars(db.select(Adjustment)).one()
        assert (adjustment.kind, adjustment.amount_minor, adjustment.external_id) == \
            ("chargeback", 900, TX)
        assert db.session.scalars(db.select(PendingPayment)).one().status == "charged_back"
        outcomes = list(db.session.scalars(db.select(Delivery.outcome).order_by(Delivery.id)))
        assert outcomes == ["accepted", "duplicate", "duplicate", "accepted", "duplicate"]
        assert all(d.store == "craftingstore_gateway" and d.transaction_id == TX
                   for d in db.session.scalars(db.select(Delivery)))
    page = client.get(f"/servers/{server.id}/payments?status=charged_back")
    assert TX.encode() in page.data and b"Charged back" in page.data


def test_paid_callback_alone_records_the_purchase_once(app, client, server, connected):
    callback(client, server.project_id, payload(username="Steve"))
    for _ in range(2):
        assert callback(client, server.project_id, payload("PAID", username="Steve")).json == \
            {"success": True}
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert purchase.username == "Steve" and purchase.amount_minor == 900
    # PAID for a transaction never seen, without details: refused, logged, nothing written.
    unknown = callback(client, server.project_id, {"type": "PAID", "transactionId": "NOPE"})
    assert unknown.status_code == 404 and unknown.json["success"] is False
    assert counts(app)["Purchase"] == 1


def test_pending_and_paid_are_announced_once_each(app, client, server, connected):
    from tests.notify_helpers import outbox_kinds
    for _ in range(2):  # a copy of each callback announces nothing more
        callback(client, server.project_id, payload(username="Steve"))
    assert outbox_kinds(app) == ["payment.pending"]
    for _ in range(2):
        callback(client, server.project_id, payload("PAID", username="Steve"))
    assert sorted(outbox_kinds(app)) == ["payment.paid", "payment.pending", "purchase.accepted"]


def test_paid_after_charge_back_is_booked_net_of_it(app, client, server, connected):
    callback(client, server.project_id, payload())
    assert callback(client, server.project_id, payload("CHARGE-BACK")).json == {"success": True}
    for _ in range(2):  # a late (or retried) PAID must not bring the money back
        assert callback(client, server.project_id, payload("PAID")).json == {"success": True}
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert (purchase.amount_minor, purchase.reversed_minor) == (900, 900)
        assert db.session.scalar(db.select(PendingPayment.status)) == "charged_back"
    assert counts(app)["Adjustment"] == 1


# --- refusals ---------------------------------------------------------------------------------

def test_bad_signatures_write_nothing(app, client, server, connected):
    assert callback(client, server.project_id, payload(), secret="wrong-secret").status_code == 400
    missing = callback(client, server.project_id, payload(), signature=False)
    assert missing.status_code == 400 and missing.json == {"success": False}
    bad = callback(client, server.project_id, payload(), signature="deadbeef")
    assert bad.json == {"success": False}
    unknown = callback(client, "no-such-project", payload())
    assert unknown.status_code == 404 and unknown.json == {"success": False}
    no_project = client.post("/api/gateway/craftingstore", data=b"{}")
    assert no_project.status_code == 400 and no_project.json == {"success": False}
    # The three refusals for the connected gateway are logged (no body); an unknown or
    # missing projectId is only counted.
    assert counts(app) == {"PendingPayment": 0, "Purchase": 0, "Adjustment": 0, "Delivery": 3}
    with app.app_context():
        assert {d.outcome for d in db.session.scalars(db.select(Delivery))} == {"rejected"}


def test_an_accepted_callback_ends_a_failing_run_and_the_banner(app, client, server, connected,
                                                                logged_in):
    from ledger import health
    for _ in range(health.FAILURES):
        assert callback(client, server.project_id, payload(), secret="wrong").status_code == 400
    with app.app_context():
        assert db.session.scalars(db.select(Integration)).one().failing_since is not None
    assert "are failing" in logged_in.get(f"/servers/{server.id}").text

    assert callback(client, server.project_id, payload()).status_code == 200
    with app.app_context():
        integration = db.session.scalars(db.select(Integration)).one()
        assert (integration.failures_in_row, integration.failing_since) == (0, None)
        assert integration.last_delivery_at is not None
    assert "are failing" not in logged_in.get(f"/servers/{server.id}").text


def test_unsigned_garbage_and_bad_payload(app, client, server, connected):
    body = b'{"type":"PENDING","transactionId":"x","currency":"USD","package":{"price":"9.99"}}'
    response = client.post(f"/api/gateway/craftingstore?projectId={server.project_id}", data=body,
                           headers={"X-Signature": hmac_hex(SECRET, body)})
    assert response.status_code == 400 and response.json["success"] is False
    assert "package.price" in response.json["error"]
    assert counts(app)["PendingPayment"] == 0


# --- expiry, failures, retries ----------------------------------------------------------------

def test_expired_after_seven_days(app, client, server, fake_store, connected, logged_in):
    callback(client, server.project_id, payload())
    callback(client, server.project_id, payload(tx="FRESH-1"))
    with app.app_context():
        old = db.session.scalar(db.select(PendingPayment).filter_by(transaction_id=TX))
        old.created_at = utcnow() - timedelta(days=7, minutes=1)
        db.session.commit()
        assert payments.status_of(old) == "expired"
        assert [p.transaction_id for p in payments.list_payments(server.id, "expired")] == [TX]
        pending = payments.list_payments(server.id, "pending")
        assert [p.transaction_id for p in pending] == ["FRESH-1"]
    page = client.get(f"/servers/{server.id}/payments?status=expired")
    assert TX.encode() in page.data and b"Expired" in page.data and b"Mark paid" not in page.data
    response = client.post(f"/servers/{server.id}/payments/{payment_id(app)}/paid",
                           follow_redirects=True)
    assert b"expired" in response.data and fake_store.received == []
    assert counts(app)["Purchase"] == 0


@pytest.mark.parametrize("failure", ["500", "down"])
def test_confirmation_failure_is_shown_and_can_be_retried(app, client, server, fake_store,
                                                          connected, logged_in, failure):
    callback(client, server.project_id, payload())
    if failure == "500":
        fake_store.status = 500
    else:
        with app.app_context():
            integration = db.session.scalar(db.select(Integration))
            integration.settings = {**integration.settings,
                                    "confirmation_url": f"http://127.0.0.1:{free_port()}/confirm"}
            db.session.commit()
    response = client.post(f"/servers/{server.id}/payments/{payment_id(app)}/paid",
                           follow_redirects=True)
    expected = b"answered HTTP 500" if failure == "500" else b"could not reach CraftingStore"
    assert b"did not accept" in response.data and expected in response.data
    assert b"Retry confirmation" in response.data
    with app.app_context():
        payment = db.session.scalars(db.select(PendingPayment)).one()
        assert payment.status == "pending" and payment.confirm_attempts == 1
        assert payment.last_error and payment.purchase_id is None
        if failure == "500":
            assert payment.last_answer.startswith("HTTP 500")
    assert counts(app)["Purchase"] == 0

    fake_store.status = 200
    with app.app_context():
        integration = db.session.scalar(db.select(Integration))
        integration.settings = {**integration.settings, "confirmation_url": fake_store.url}
        db.session.commit()
    retry = client.post(f"/servers/{server.id}/payments/{payment_id(app)}/paid",
                        follow_redirects=True)
    assert b"accepted the confirmation" in retry.data
    with app.app_context():
        payment = db.session.scalars(db.select(PendingPayment)).one()
        assert (payment.status, payment.confirm_attempts, payment.last_error) == ("paid", 2, None)
    assert counts(app)["Purchase"] == 1


# --- access -----------------------------------------------------------------------------------

def test_other_network_gets_404(app, client, server, connected, auth, other_network):
    callback(client, server.project_id, payload())
    pid = payment_id(app)
    auth.login("stranger@example.com", "another long password")
    assert client.get(f"/servers/{server.id}/payments").status_code == 404
    assert client.post(f"/servers/{server.id}/payments/{pid}/paid").status_code == 404
    assert client.get(f"/servers/{server.id}/gateway").status_code == 404
    for action in ("secret", "key", "disconnect"):
        assert client.post(f"/servers/{server.id}/gateway/{action}").status_code == 404
    # Their own server id with our payment's id: still 404.
    assert client.post(f"/servers/{other_network.server_id}/payments/{pid}/paid").status_code == 404
    with app.app_context():
        assert db.session.scalars(db.select(PendingPayment)).one().status == "pending"
        assert db.session.scalar(db.select(db.func.count(Integration.id))) == 1


def test_pages_need_login(client, server):
    assert client.get(f"/servers/{server.id}/payments").status_code == 302


# --- the Bearer endpoint ----------------------------------------------------------------------

def test_bearer_mark_paid(app, client, server, fake_store, connected, other_network):
    callback(client, server.project_id, payload())
    url = f"/api/gateway/payments/{TX}/paid"
    assert client.post(url).status_code == 401
    plugin_key = {"Authorization": f"Bearer {server.api_key}"}  # the plugin key is not enough
    assert client.post(url, headers=plugin_key).status_code == 401
    forged = connected[:-4] + "AAAA"
    assert client.post(url, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    auth = {"Authorization": f"Bearer {connected}"}
    missing = client.post("/api/gateway/payments/NOPE/paid", headers=auth)
    assert missing.status_code == 404 and missing.json["success"] is False
    first = client.post(url, headers=auth)
    assert first.status_code == 200 and first.json["success"] is True
    assert first.json["status"] == "paid"
    again = client.post(url, headers=auth)
    assert again.status_code == 200 and again.json["status"] == "paid"
    assert len(fake_store.received) == 1 and counts(app)["Purchase"] == 1


def test_bearer_key_of_another_server_cannot_reach_this_payment(app, client, server, connected,
                                                                other_network, fake_store):
    callback(client, server.project_id, payload())
    with app.app_context():
        _, credentials = gateway_setup.connect(db.session.get(Server, other_network.server_id),
                                               runtime.secret_box(),
                                         TEMPLATE, fake_store.url, SECRET)
        db.session.commit()
    response = client.post(f"/api/gateway/payments/{TX}/paid",
                           headers={"Authorization": f"Bearer {credentials.payment_key}"})
    assert response.status_code == 404 and fake_store.received == []


def test_bearer_failure_answers_502(app, client, server, fake_store, connected):
    callback(client, server.project_id, payload())
    fake_store.status = 500
    response = client.post(f"/api/gateway/payments/{TX}/paid",
                           headers={"Authorization": f"Bearer {connected}"})
    assert response.status_code == 502 and response.json["success"] is False
    assert counts(app)["Purchase"] == 0


# --- setup page -------------------------------------------------------------------------------

def test_setup_connect_regenerate_disconnect(app, client, server, logged_in):
    page = client.get(f"/servers/{server.id}/gateway")
    assert page.status_code == 200
    assert f"http://tally.test/api/gateway/craftingstore?projectId={server.project_id}".encode() \
        in page.data
    bad = client.post(f"/servers/{server.id}/gateway",
                      data={"payment_url_template": "https://pay.example.net/pay",
                            "confirmation_url": "ftp://craftingstore.example"})
    assert bad.status_code == 400 and b"{transactionId}" in bad.data
    created = client.post(f"/servers/{server.id}/gateway",
                          data={"payment_url_template": TEMPLATE,
                                "confirmation_url": "https://api.craftingstore.example/confirm"})
    assert created.status_code == 200 and b"shown only once" in created.data
    assert b'data-copy="gateway-secret"' in created.data and b"tgw_" in created.data
    with app.app_context():
        integration = db.session.scalar(db.select(Integration))
        assert integration.store == "craftingstore_gateway"
        assert integration.settings["confirmation_url"] == \
            "https://api.craftingstore.example/confirm"
        assert b"whsec_" not in integration.secret_encrypted
        secret = runtime.secret_box().decrypt(integration.secret_encrypted)
    assert secret.encode() in created.data
    assert secret.encode() not in client.get(f"/servers/{server.id}/gateway").data  # once only

    regenerated = client.post(f"/servers/{server.id}/gateway/secret",
                              data={"secret": "pasted-from-craftingstore-123"})
    assert b"pasted-from-craftingstore-123" in regenerated.data
    saved = client.post(f"/servers/{server.id}/gateway",
                        data={"payment_url_template": "https://p.example/{transactionId}",
                              "confirmation_url": "https://c.example/confirm"})
    assert saved.status_code == 302
    assert client.post(f"/servers/{server.id}/gateway/disconnect").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Integration.id))) == 0


def test_csrf_guards_pages_but_not_the_apis(backend, tmp_path, request):
    from ledger import accounts
    from ledger.servers import create_server
    from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, make_app

    app = make_app(backend, tmp_path, request, WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = accounts.create_user(OWNER_EMAIL, OWNER_PASSWORD)
        srv, _ = create_server(accounts.create_network(user, "N"), "Lobby")
        gateway_setup.connect(srv, runtime.secret_box(), TEMPLATE, "http://127.0.0.1:9/confirm",
                              SECRET)
        db.session.commit()
        server_id, project_id, user_id = srv.id, srv.project_id, user.id
    client = app.test_client()
    assert callback(client, project_id, payload()).status_code == 200
    assert client.post(f"/api/gateway/payments/{TX}/paid",
                       headers={"Authorization": "Bearer nope"}).status_code == 401
    with client.session_transaction() as session:  # logged in, but posting without a token
        session["_user_id"], session["_fresh"] = str(user_id), True
    assert client.post(f"/servers/{server_id}/payments/1/paid").status_code == 400
    assert client.post(f"/servers/{server_id}/gateway/disconnect").status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Integration.id))) == 1
        db.session.remove()
        db.engine.dispose()


def test_members_mark_payments_but_only_owners_change_the_gateway(app, client, auth, server,
                                                                   connected, fake_store):
    from ledger import accounts
    from models import Network

    with app.app_context():
        accounts.create_user("member@example.com", "member password 1")
        accounts.add_member(db.session.get(Network, server.network_id), "member@example.com")
        db.session.commit()
    auth.login("member@example.com", "member password 1")
    assert client.get(f"/servers/{server.id}/gateway").status_code == 200
    assert client.get(f"/servers/{server.id}/payments").status_code == 200
    for action in ("secret", "key", "disconnect"):
        assert client.post(f"/servers/{server.id}/gateway/{action}").status_code == 403
    assert client.post(f"/servers/{server.id}/gateway", data={
        "payment_url_template": "https://evil.example/{transactionId}",
        "confirmation_url": "https://evil.example/confirm"}).status_code == 403
    with app.app_context():
        integration = gateway_setup.find_integration(server.id)
        assert integration.settings["confirmation_url"] == fake_store.url


def test_oversized_callback_is_413_and_logged(app, client, server, connected):
    body = b'{"type":"PENDING",' + b" " * (70 * 1024) + b"}"
    response = client.post(f"/api/gateway/craftingstore?projectId={server.project_id}", data=body,
                           headers={"X-Signature": hmac_hex(SECRET, body)})
    assert response.status_code == 413 and response.json["success"] is False
    with app.app_context():
        delivery = db.session.scalars(db.select(Delivery)).one()
        assert (delivery.status_code, delivery.body) == (413, None)
    assert counts(app)["PendingPayment"] == 0


# --- the confirmation reaches only public addresses (ledger.outbound) -------------------

@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.10", False), ("172.16.5.5", False),
    ("169.254.169.254", False), ("0.0.0.0", False), ("100.64.0.1", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1%eth0", False), ("fd00::1", False), ("::ffff:127.0.0.1", False),
    ("64:ff9b::7f00:1", False), ("64:ff9b::a00:5", False), ("64:ff9b:1::1", False),
    ("2002:7f00:1::1", False), ("::127.0.0.1", False), ("::ffff:0:7f00:1", False),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False), ("fec0::1", False), ("fec0:1::5", False),
    ("ff02::1", False), ("100::1", False), ("2001:db8::1", False),
    ("93.184.215.14", True), ("::ffff:93.184.215.14", True), ("2606:4700::1111", True), ("64:ff9b::5db8:d70e", True),
    ("2002:5db8:d70e::1", True),
])
def test_which_addresses_are_public(address, public):
    assert is_public(address) is public


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_addresses_are_refused_before_connecting(app, fake_store, host):
    url = fake_store.url.replace("127.0.0.1", host)
    with app.app_context():
        sent = confirmation.send(confirmation.Pending(url, b"{}", {}), 3)
    assert (sent.ok, sent.answer) == (False, None)
    error = sent.error
    assert "does not resolve to a public address" in error
    assert "TALLY_OUTBOUND_ALLOW_PRIVATE" in error
    if host != "127.0.0.1":
        assert "127.0.0.1" not in error  # what an internal name resolves to is not revealed
    assert fake_store.received == []
    with app.app_context():  # allowed: the same request goes through
        sent = confirmation.send(confirmation.Pending(url, b"{}", {}), 3, allow_private=True)
    assert sent.answer.startswith("HTTP 403") and len(fake_store.received) == 1


def test_marking_paid_shows_why_the_confirmation_was_refused(app, client, server, fake_store,
                                                              connected, logged_in):
    app.config["GATEWAY_ALLOW_PRIVATE"] = False  # the default; the fixture had allowed it
    callback(client, server.project_id, payload())
    response = client.post(f"/servers/{server.id}/payments/{payment_id(app)}/paid",
                           follow_redirects=True)
    assert b"did not accept" in response.data and b"a public address" in response.data
    assert fake_store.received == []
    with app.app_context():
        assert db.session.scalars(db.select(PendingPayment)).one().status == "pending"


def test_the_outbound_setting_lifts_the_check_for_the_gateway_too(app, client, server, fake_store,
                                                                   connected, logged_in):
    app.config["GATEWAY_ALLOW_PRIVATE"] = False
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True  # TALLY_OUTBOUND_ALLOW_PRIVATE=1
    callback(client, server.project_id, payload())
    response = client.post(f"/servers/{server.id}/payments/{payment_id(app)}/paid",
                           follow_redirects=True)
    assert b"a public address" not in response.data
    assert len(fake_store.received) == 1


def test_private_addresses_are_refused_by_default(app):
    assert app.config["GATEWAY_ALLOW_PRIVATE"] is False
