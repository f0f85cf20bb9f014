"""Donation Store: Authorization signature, the example payment, statuses, user verification."""
import json

import pytest

from extensions import db
from ledger import integrations
from models import Integration, Player, Purchase, StoreEvent
from models.base import fold
from providers import donationstore
from tests.store_helpers import NOTHING, add_creator, connect, counts, last_delivery

SECRET = "my-ds-secret"
# The seed's example payload, verbatim (tabs and all).
PAYMENT = b'''{
\t"webhook_type": "payment",
\t"payment": {
\t\t"transaction_id": "123",
\t\t"date": "2018-06-15 12:12:12",
\t\t"amount": 50,
\t\t"currency": "EUR",
\t\t"gateway": "Xsolla",
\t\t"status": "Complete"
\t},
\t"customer": {
\t\t"username": "MCxJB",
\t\t"uuid": "5b05c7cc311841c78993ef9f3ba5fb63",
\t\t"email": "markbarrett42@hotmail.com",
\t\t"ip": "123.456.789",
\t\t"name": "Mark Barrett",
\t\t"address": "123 Fake Street"
\t},
\t"packages": [{
\t\t"id": 123,
\t\t"name": "Sword",
\t\t"quantity": 2,
\t\t"server_to_execute": null,
\t\t"price": 2.00,
\t\t"sub_total": 4.00,
\t\t"customer_choose_price": null,
\t\t"variables": [{
\t\t\t"identifier": "type",
\t\t\t"choice": "minecraft:diamond_sword"
\t\t}]
\t}],
\t"coupons": [{
\t\t"code": "20OFF",
\t\t"discount_type": "percentage",
\t\t"discount_percentage": "20",
\t\t"discount_amount": "0"
\t}],
\t"gift_cards": [{
\t\t"code": 12345,
\t\t"amount": 0.10
\t}],
\t"virtual_currencies": [{
\t\t"code": "MST",
\t\t"amount_used": 1.00
\t}]
}'''
# sha256sum of "my-ds-secret" + "123" + uuid + email, computed independently.
PAYMENT_SIGNATURE = "714de599c29da3f41dd263ce9a3d41118bd896da1d2fea507c1d147b9b71df0c"
# The seed's verification example has a trailing comma (not JSON); this is it without.
VERIFY = (b'{"webhook_type": "user_verification", "user": {"ign": "MCxJB", '
          b'"uuid": "5b05c7cc311841c78993ef9f3ba5fb63", "ip": "123.456.789"}}')
# sha256sum of "my-ds-secret" + uuid + ip.
VERIFY_SIGNATURE = "49a49c189152dc5d4112a1d12a57a59a1e58b2c42b54efeace3682cd03ffb0e6"


def post(client, project_id, body, signature=None, header="Authorization"):
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers[header] = signature or _sign(body)
    return client.post(f"/api/webhooks/donationstore?projectId={project_id}", data=body,
                       headers=headers)


def _sign(body: bytes, secret=SECRET) -> str:
    data = json.loads(body)
    if data.get("webhook_type") == "user_verification":
        return donationstore.signature(secret, str(data["user"]["uuid"]), str(data["user"]["ip"]))
    return donationstore.signature(secret, str(data["payment"]["transaction_id"]),
                                   str(data["customer"]["uuid"]), str(data["customer"]["email"]))


def changed(**payment):
    data = json.loads(PAYMENT)
    data["payment"].update(payment)
    return data


def test_signature_vectors():
    assert donationstore.signature(SECRET, "123", "5b05c7cc311841c78993ef9f3ba5fb63",
                                   "markbarrett42@hotmail.com") == PAYMENT_SIGNATURE
    assert donationstore.signature(SECRET, "5b05c7cc311841c78993ef9f3ba5fb63",
                                   "123.456.789") == VERIFY_SIGNATURE
    donationstore.verify(PAYMENT, {"Authorization": PAYMENT_SIGNATURE}, SECRET, {})
    donationstore.verify(VERIFY, {"Authorization": VERIFY_SIGNATURE}, SECRET, {})


def test_example_payment_end_to_end_and_retries(app, client, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    creator_id = add_creator(app, server.network_id, "20off")
    for attempt in range(5):  # Donation Store retries up to 5 times until it sees a 200
        response = post(client, server.project_id, PAYMENT, PAYMENT_SIGNATURE)
        assert response.status_code == 200
        assert response.json == {"status": "accepted" if attempt == 0 else "duplicate"}
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert (purchase.transaction_id, purchase.amount_minor, purchase.currency) == ("123", 5000, "EUR")
        assert (purchase.username, purchase.uuid, purchase.email) == \
            ("MCxJB", "5b05c7cc311841c78993ef9f3ba5fb63", "markbarrett42@hotmail.com")
        assert purchase.purchased_at.isoformat() == "2018-06-15T12:12:12+00:00"
        assert [(i.name, i.quantity, i.total_minor) for i in purchase.items] == [("Sword", 2, 400)]
        assert purchase.coupon == "20OFF" and purchase.creator_id == creator_id
        assert purchase.extra == {
            "gateway": "Xsolla", "coupons": ["20OFF"],
            "gift_cards": [{"code": 12345, "amount": "0.10"}],
            "virtual_currencies": [{"code": "MST", "amount_used": "1.00"}]}


def test_http_authorization_header_name_is_accepted(app, client, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    response = post(client, server.project_id, PAYMENT, PAYMENT_SIGNATURE, header="HTTP_AUTHORIZATION")
    assert response.status_code == 200 and counts(app)["purchases"] == 1


def test_other_statuses_are_logged_not_counted(app, client, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    response = post(client, server.project_id, changed(status="Pending"))
    assert response.status_code == 200 and response.json == {"status": "ignored"}
    delivery = last_delivery(app)
    assert delivery.reason == "payment status 'Pending' is not revenue (only 'Complete' is)"
    assert delivery.transaction_id == "123"
    assert counts(app) == NOTHING
    assert post(client, server.project_id, PAYMENT).json == {"status": "accepted"}  # completes later


@pytest.mark.parametrize("body, signature, status, message", [
    (PAYMENT, "0" * 64, 401, "signature does not match"),
    (PAYMENT, False, 401, "Authorization header is missing"),
    (PAYMENT.replace(b'"amount": 50', b'"amount": 51'), PAYMENT_SIGNATURE, 200, None),  # unsigned field
    (changed(amount="fifty"), None, 400, "payment.amount is not a number"),
    (changed(amount=True), None, 400, "payment.amount must be a number"),
    (changed(currency="EURO"), None, 400, "payment.currency must be a 3-letter currency code"),
    (changed(transaction_id=None), "0" * 64, 400, "payment.transaction_id is required"),
    (changed(date="yesterday"), None, 400, "payment.date is not an ISO 8601 timestamp"),
    ({**changed(), "webhook_type": "refund"}, "0" * 64, 400, "unknown Donation Store webhook_type"),
    ({**changed(), "packages": [{"name": "Sword", "quantity": 0, "sub_total": 1}]}, None, 400,
     "packages[0].quantity must be a whole number"),
    ({**changed(), "packages": {"name": "Sword"}}, None, 400, "packages must be an array"),
    ({**changed(), "gift_cards": ["x"]}, None, 400, "gift_cards must be an array of objects"),
    (b"{", "0" * 64, 400, "not valid JSON"),
])
def test_bad_payments(app, client, server, body, signature, status, message):
    connect(app, server.id, "donationstore", secret=SECRET)
    response = post(client, server.project_id, body, signature)
    assert response.status_code == status, response.json
    if message:
        assert message in response.json["error"]
        assert counts(app) == NOTHING


def test_missing_customer_email_is_rejected(app, client, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    data = changed()
    del data["customer"]["email"]
    response = post(client, server.project_id, data, "0" * 64)
    assert response.status_code == 400 and response.json["error"] == "customer.email is required"
    assert counts(app) == NOTHING


@pytest.mark.parametrize("transaction_id", ["tx 1001", "tx\t1001", "tx-1001\x00", "tx\u00a01001"])
def test_a_signed_transaction_id_with_spaces_or_control_characters_is_refused(
        app, client, server, transaction_id):
    """Only printable ASCII without spaces: the glued signed fields give a forger less room."""
    connect(app, server.id, "donationstore", secret=SECRET)
    response = post(client, server.project_id, changed(transaction_id=transaction_id))
    assert response.status_code == 401, response.json
    assert "payment.transaction_id" in response.json["error"]
    assert counts(app) == NOTHING


def set_rule(app, server_id, **form):
    with app.app_context():
        integration = integrations.find(server_id, "donationstore")
        integrations.update_settings(integration, donationstore, form)
        db.session.commit()


def test_verification_everyone_by_default(app, client, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    response = post(client, server.project_id, VERIFY, VERIFY_SIGNATURE)
    assert response.status_code == 200 and response.json == {"verified": True}
    with app.app_context():
        visit = db.session.scalars(db.select(StoreEvent)).one()
        assert (visit.kind, visit.username, visit.detail) == ("visit", "MCxJB", {"verified": True})
    assert counts(app)["purchases"] == 0


def test_verification_only_players_who_joined(app, client, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    set_rule(app, server.id, verify_rule="joined", verify_message="Join play.example.net first!")
    assert post(client, server.project_id, VERIFY).json == \
        {"verified": False, "message": "Join play.example.net first!"}
    with app.app_context():
        db.session.add(Player(server_id=server.id, username="mcxjb", username_key=fold("mcxjb"),
                              uuid="5b05c7cc-3118-41c7-8993-ef9f3ba5fb63"))
        db.session.commit()
    assert post(client, server.project_id, VERIFY).json == {"verified": True}
    assert counts(app)["store_events"] == 2


def test_verification_block_list(app, client, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    set_rule(app, server.id, verify_rule="blocklist", verify_blocklist="griefer\n5B05C7CC-3118-41C7-8993-EF9F3BA5FB63")
    response = post(client, server.project_id, VERIFY).json
    assert response["verified"] is False and response["message"]  # default message
    set_rule(app, server.id, verify_rule="blocklist", verify_blocklist="griefer")
    assert post(client, server.project_id, VERIFY).json == {"verified": True}


def test_verification_bad_signature_and_fields(app, client, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    assert post(client, server.project_id, VERIFY, PAYMENT_SIGNATURE).status_code == 401
    missing_ip = {"webhook_type": "user_verification", "user": {"ign": "x", "uuid": "y"}}
    response = post(client, server.project_id, missing_ip, "0" * 64)
    assert response.status_code == 400 and response.json["error"] == "user.ip is required"
    assert counts(app) == NOTHING


def test_settings_are_validated(app, server):
    connect(app, server.id, "donationstore", secret=SECRET)
    with app.app_context():
        integration = integrations.find(server.id, "donationstore")
        with pytest.raises(integrations.IntegrationError, match="verify_rule"):
            integrations.update_settings(integration, donationstore, {"verify_rule": "vips"})
        with pytest.raises(integrations.IntegrationError, match="verify_message"):
            integrations.update_settings(integration, donationstore, {"verify_message": "x" * 201})
        settings = integrations.update_settings(integration, donationstore,
                                                {"verify_rule": "joined",
                                                              "verify_blocklist": "a, b\nb"})
        db.session.commit()
        assert settings == {"verify_rule": "joined", "verify_message": "",
                            "verify_blocklist": ["a", "b"]}
        assert db.session.get(Integration, integration.id).settings == settings
