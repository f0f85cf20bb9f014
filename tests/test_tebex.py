"""Tebex: X-Signature, the validation handshake, purchases, refunds and disputes."""
import json

import pytest

from events import PayloadError
from extensions import db
from models import Purchase, StoreEvent
from providers import tebex
from tests.notify_helpers import outbox_kinds
from tests.store_helpers import NOTHING, add_creator, connect, counts, last_delivery

SECRET = "tbx-secret-5f2a"
VALIDATION = (b'{"id": "2c116b11-1110-91e0-b266-b792c8da5f11", "type": "validation.webhook", '
              b'"date": "2021-08-24T12:21:47+00:00", "subject": {}}')
# Computed independently: sha256sum of the body, then `openssl dgst -sha256 -hmac` of that hex.
VALIDATION_SIGNATURE = "3322a43795571a8046ae1402ecd346bb5560ab7aa9a5e926f6f4db6a00e1a0d8"


def subject(**overrides):
    base = {
        "transaction_id": "tbx-26929122a56954-d1b2c9",
        "status": {"id": 1, "description": "Complete"},
        "payment_sequence": "oneoff",
        "created_at": "2024-05-02T10:11:12.000000Z",
        "price": {"amount": 12.5, "currency": "EUR"},
        "price_paid": {"amount": 12.5, "currency": "EUR"},
        "payment_method": {"name": "PayPal", "refundable": True},
        "customer": {"first_name": "Neil", "last_name": "McNeil", "email": "neil@example.com",
                     "ip": "1.2.3.4",
                     "username": {"id": "069a79f444e94726a5befca90e38aaf5", "username": "Notch"},
                     "marketing_consent": False, "country": "GB", "postal_code": "NW6"},
        "products": [{"id": 5745, "name": "VIP", "quantity": 1,
                      "base_price": {"amount": 12.5, "currency": "EUR"},
                      "paid_price": {"amount": 12.5, "currency": "EUR"},
                      "variables": [], "expires_at": None, "custom": None,
                      "username": {"id": "069a79f444e94726a5befca90e38aaf5", "username": "Notch"}}],
        "coupons": [], "gift_cards": [], "recurring_payment_reference": None,
        "creator_code": "STEVEYT",
    }
    base.update(overrides)
    return base


def event(kind, event_id, **overrides):
    return {"id": event_id, "type": kind, "date": "2024-05-02T10:11:13+00:00",
            "subject": subject(**overrides)}


def post(client, project_id, payload, secret=SECRET, signature=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers["X-Signature"] = signature or tebex.sign(body, secret)
    return client.post(f"/api/webhooks/tebex?projectId={project_id}", data=body, headers=headers)


def the_purchase(app):
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        adjustments = [(a.kind, a.amount_minor, a.external_id) for a in purchase.adjustments]
        return purchase.amount_minor, purchase.reversed_minor, adjustments


def test_signature_vector():
    assert tebex.sign(VALIDATION, SECRET) == VALIDATION_SIGNATURE
    tebex.verify(VALIDATION, {"X-Signature": VALIDATION_SIGNATURE.upper()}, SECRET, {})


def test_validation_webhook_answers_its_id(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    response = post(client, server.project_id, VALIDATION, signature=VALIDATION_SIGNATURE)
    assert response.status_code == 200
    assert response.json == {"id": "2c116b11-1110-91e0-b266-b792c8da5f11"}
    assert counts(app) == NOTHING
    assert last_delivery(app).outcome == "accepted"


def test_payment_completed_credits_the_creator_once(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    creator_id = add_creator(app, server.network_id, "SteveYT")
    payload = event("payment.completed", "evt-1")
    first = post(client, server.project_id, payload)
    assert first.status_code == 200 and first.json == {"status": "accepted"}
    assert post(client, server.project_id, payload).json == {"status": "duplicate"}
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert (purchase.transaction_id, purchase.amount_minor, purchase.currency) == \
            ("tbx-26929122a56954-d1b2c9", 1250, "EUR")
        assert (purchase.username, purchase.uuid, purchase.email) == \
            ("Notch", "069a79f444e94726a5befca90e38aaf5", "neil@example.com")
        assert purchase.creator_id == creator_id and purchase.coupon == "STEVEYT"
        assert [(i.name, i.quantity, i.total_minor) for i in purchase.items] == [("VIP", 1, 1250)]
        assert purchase.recurring is False and purchase.extra == {"gateway": "PayPal"}
        assert purchase.purchased_at.isoformat() == "2024-05-02T10:11:12+00:00"


def test_renewal_is_recurring(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    post(client, server.project_id, event("payment.completed", "evt-r", payment_sequence="renewal",
                                          recurring_payment_reference="tbx-r-1"))
    with app.app_context():
        assert db.session.scalars(db.select(Purchase)).one().recurring is True


def test_refund_reverses_and_keeps_the_original(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    post(client, server.project_id, event("payment.completed", "evt-1"))
    refund = event("payment.refunded", "evt-2")
    assert post(client, server.project_id, refund).json == {"status": "accepted"}
    assert post(client, server.project_id, refund).json == {"status": "duplicate"}
    assert the_purchase(app) == (1250, 1250, [("refund", 1250, "evt-2")])


def test_refund_before_its_purchase_nets_to_zero(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    post(client, server.project_id, event("payment.refunded", "evt-2"))
    post(client, server.project_id, event("payment.completed", "evt-1"))  # arrives late
    assert the_purchase(app) == (1250, 1250, [("refund", 1250, "evt-2")])


def test_disputes(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    post(client, server.project_id, event("payment.completed", "evt-1"))
    post(client, server.project_id, event("payment.dispute.opened", "evt-3"))
    assert the_purchase(app) == (1250, 0, [])  # opened: money not lost yet
    post(client, server.project_id, event("payment.dispute.lost", "evt-4"))
    post(client, server.project_id, event("payment.dispute.lost", "evt-4"))
    assert the_purchase(app) == (1250, 1250, [("chargeback", 1250, "evt-4")])
    with app.app_context():
        kinds = db.session.scalars(db.select(StoreEvent.detail)).all()
        assert kinds == [{"type": "payment.dispute.opened",
                          "transaction_id": "tbx-26929122a56954-d1b2c9"}]
    assert outbox_kinds(app) == ["purchase.accepted", "purchase.charged_back"]  # once


def test_dispute_won_changes_nothing(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    post(client, server.project_id, event("payment.completed", "evt-1"))
    post(client, server.project_id, event("payment.dispute.won", "evt-5"))
    post(client, server.project_id, event("payment.dispute.closed", "evt-6"))
    assert the_purchase(app) == (1250, 0, [])
    assert counts(app)["store_events"] == 2


def test_refund_after_chargeback_has_nothing_left(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    post(client, server.project_id, event("payment.dispute.lost", "evt-4"))
    response = post(client, server.project_id, event("payment.refunded", "evt-2"))
    assert response.json == {"status": "accepted"}  # received; applying it changes nothing
    delivery = last_delivery(app)
    assert delivery.outcome == "ignored" and delivery.applied_at is not None
    assert "refund of 'tbx-26929122a56954-d1b2c9' not applied" in delivery.reason
    assert the_purchase(app) == (1250, 1250, [("chargeback", 1250, "evt-4")])


def test_declined_and_subscription_notices_are_ignored(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    assert post(client, server.project_id, event("payment.declined", "evt-d")).json == \
        {"status": "ignored"}
    assert post(client, server.project_id, {"id": "evt-s", "type": "recurring-payment.ended",
                                             "date": "2024-05-02T10:11:13+00:00",
                                             "subject": {}}).json == {"status": "ignored"}
    assert counts(app) == NOTHING


@pytest.mark.parametrize("payload, status, message", [
    (event("payment.completed", "e"), 401, "signature does not match"),  # signed with another secret
    ({"id": "e", "type": "payment.exploded", "subject": {}}, 400, "unknown Tebex webhook type"),
    (event("payment.completed", "e", price={"amount": "12.50", "currency": "EUR"}), 400,
     "subject.price.amount must be a number"),
    (event("payment.completed", "e", transaction_id=None), 400, "subject.transaction_id is required"),
    (event("payment.completed", "e", customer={"username": {"id": "1"}}), 400,
     "subject.customer.username.username is required"),
    (event("payment.completed", "e", products=[{"name": "VIP", "quantity": True}]), 400,
     "subject.products[0].quantity"),
    ({"type": "payment.completed", "subject": subject()}, 400, "id is required"),
    (b"not json", 400, "not valid JSON"),
])
def test_bad_deliveries_write_nothing(app, client, server, payload, status, message):
    connect(app, server.id, "tebex", secret=SECRET)
    secret = "another" if status == 401 else SECRET
    response = post(client, server.project_id, payload, secret=secret)
    assert response.status_code == status and message in response.json["error"]
    assert counts(app) == NOTHING


@pytest.mark.parametrize("length", [63, 1])
def test_a_prefix_of_the_signature_is_refused(app, client, server, length):
    connect(app, server.id, "tebex", secret=SECRET)
    assert tebex.sign(VALIDATION, SECRET) == VALIDATION_SIGNATURE
    response = client.post(f"/api/webhooks/tebex?projectId={server.project_id}", data=VALIDATION,
                           headers={"X-Signature": VALIDATION_SIGNATURE[:length]})
    assert response.status_code == 401 and counts(app) == NOTHING


def test_missing_signature(app, client, server):
    connect(app, server.id, "tebex", secret=SECRET)
    response = post(client, server.project_id, VALIDATION, signature=False)
    assert response.status_code == 401 and "X-Signature" in response.json["error"]
    assert counts(app) == NOTHING


def test_parse_is_pure():
    from datetime import datetime, timezone
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(PayloadError):
        tebex.parse(b"[]", now, {})
    [purchase] = tebex.parse(json.dumps(event("payment.completed", "x", created_at=None)).encode(),
                             now, {})
    assert purchase.purchased_at.isoformat() == "2024-05-02T10:11:13+00:00"  # falls back to date
