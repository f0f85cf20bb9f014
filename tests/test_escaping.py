"""Strings that come from stores are escaped on every page that shows them."""
import runtime
from events import Item, PurchaseEvent
from extensions import db
from ledger import purchases
from models import Server
from models.base import utcnow

HOSTILE = '<script>alert("x")</script>'


def test_store_strings_are_escaped(app, logged_in, server):
    with app.app_context():
        purchase, _ = purchases.record_purchase(db.session.get(Server, server.id), "custom",
                                                PurchaseEvent(
            transaction_id="esc-1", username=HOSTILE[:64], amount_minor=100, currency="USD",
            items=(Item(HOSTILE, 1, 100),), purchased_at=utcnow(), email=f"{HOSTILE}@x.net"))
        db.session.commit()
        purchase_id = purchase.id
    for url in (f"/servers/{server.id}/revenue", f"/servers/{server.id}/revenue/purchases",
                f"/networks/{server.network_id}/revenue", f"/purchases/{purchase_id}"):
        html = logged_in.get(url).get_data(True)
        assert "<script>alert" not in html, url
    html = logged_in.get(f"/servers/{server.id}/revenue/purchases").get_data(True)
    assert "&lt;script&gt;alert" in html


def test_delivery_log_escapes_what_stores_sent(app, logged_in, server):
    import json

    from ledger import integrations
    from providers.custom import sign

    with app.app_context():
        _, secret = integrations.connect(db.session.get(Server, server.id), "custom",
                                         runtime.secret_box())
        db.session.commit()
    body = json.dumps({"transaction_id": HOSTILE, "username": "Steve", "amount": 1}).encode()
    url = f"/api/webhooks/custom?projectId={server.project_id}"
    assert logged_in.post(url, data=body, headers={"X-Signature": sign(body, secret)}).status_code == 200
    bad = json.dumps({"transaction_id": "x", "username": "Steve", "amount": 1,
                      "timestamp": HOSTILE}).encode()
    assert logged_in.post(url, data=bad, headers={"X-Signature": sign(bad, secret)}).status_code == 400
    html = logged_in.get(f"/servers/{server.id}/integrations/custom/deliveries").get_data(True)
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert") >= 2  # the transaction id and the quoted reason


def test_campaign_names_are_escaped_on_the_funnel_pages(app, logged_in, network):
    from ledger import campaigns, costs
    from models import Network

    with app.app_context():
        camp = campaigns.create_campaign(db.session.get(Network, network), HOSTILE,
                                         ["esc.example.net"])
        costs.add_cost(camp, "1", "USD", utcnow().date(), actor=HOSTILE)
        db.session.commit()
        camp_id = camp.id
    for path in ("compare?period=all", "costs", f"{camp_id}/funnel"):
        html = logged_in.get(f"/networks/{network}/campaigns/{path}").get_data(True)
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html, path
