"""The integrations pages: cards, connect / regenerate / disconnect, polling, the delivery log."""
import json
import re

import pytest

import providers
import runtime
from extensions import db
from ledger import accounts, integrations
from models import Integration, Network, Purchase
from providers import craftingstore, custom

HX = {"HX-Request": "true"}


def url(server, tail=""):
    return f"/servers/{server.id}/integrations/{tail}"


def shown_secret(html: str, store: str) -> str:
    match = re.search(rf'id="integration-{store}-secret">([^<]+)<', html)
    assert match, "no secret on the card"
    return match.group(1).strip()


def post_custom(client, server, payload, secret):
    body = json.dumps(payload).encode()
    return client.post(f"/api/webhooks/custom?projectId={server.project_id}", data=body,
                       headers={"X-Signature": custom.sign(body, secret)})


def post_cs(client, server, payload, secret):
    body = json.dumps(payload, separators=(",", ":")).encode()
    return client.post(f"/api/webhooks/craftingstore?projectId={server.project_id}", data=body,
                       headers={"X-Signature": craftingstore.sign(body, secret)})


ORDER = {"transaction_id": "order-1", "username": "Steve", "amount": 9.99}


def test_page_has_a_card_per_registered_store(logged_in, server):
    response = logged_in.get(f"/servers/{server.id}/integrations")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert logged_in.get(url(server)).status_code == 200  # with or without the trailing slash
    assert 'id="integration-custom"' in html and 'id="integration-craftingstore"' in html
    assert html.count("Not connected") == len(providers.STORES)
    assert html.count(">Connect</button>") == len(providers.STORES)


def test_connect_shows_url_and_secret_once_then_polls_until_first_delivery(app, logged_in, server):
    response = logged_in.post(url(server, "custom/connect"), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = shown_secret(html, "custom")
    assert f"http://tally.test/api/webhooks/custom?projectId={server.project_id}" in html
    assert 'data-copy="integration-custom-secret"' in html and 'data-copy="integration-custom-url"' in html
    assert "Waiting for the first delivery…" in html and 'hx-trigger="every 3s"' in html
    with app.app_context():
        stored = db.session.scalar(db.select(Integration))
        assert stored.secret_encrypted != secret.encode()
        assert runtime.secret_box().decrypt(stored.secret_encrypted) == secret

    # Never shown again: not on the page, not on the polled card.
    assert secret not in logged_in.get(url(server)).get_data(as_text=True)
    card = logged_in.get(url(server, "custom/card"), headers={"HX-Request": "true"}
                         ).get_data(as_text=True)  # as htmx polls it: the card's body alone
    assert secret not in card
    assert "Waiting for the first delivery…" in card and 'hx-trigger="every 3s"' in card
    assert card.lstrip().startswith('<div class="integration-body" id="integration-custom-body"')
    page = logged_in.get(url(server, "custom/card")).get_data(as_text=True)  # opened directly
    assert "<title>Custom webhook on Lobby" in page and secret not in page

    assert post_custom(logged_in, server, ORDER, secret).json == {"status": "accepted"}
    card = logged_in.get(url(server, "custom/card")).get_data(as_text=True)
    assert '<span class="badge badge-ok">Connected</span>' in card
    assert "Last delivery <time" in card
    assert "hx-trigger" not in card  # polling stops once connected
    assert secret not in card


def test_plain_form_post_gets_the_whole_page_with_the_secret(logged_in, server):
    response = logged_in.post(url(server, "custom/connect"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html and shown_secret(html, "custom")


def test_craftingstore_card_shows_payload_template_and_currency(app, logged_in, server):
    html = logged_in.get(url(server)).get_data(as_text=True)
    assert '<select name="currency"' in html
    response = logged_in.post(url(server, "craftingstore/connect"), data={"currency": "EUR"}, headers=HX)
    html = response.get_data(as_text=True)
    secret = shown_secret(html, "craftingstore")
    template_html = craftingstore.PAYLOAD_TEMPLATE.replace('"', "&#34;")
    assert template_html in html
    with app.app_context():
        assert db.session.scalar(db.select(Integration)).settings == {"currency": "EUR"}
    payload = json.loads(craftingstore.PAYLOAD_TEMPLATE) | {
        "transaction_id": "cs-1", "in_game_name": "Steve", "price": "4.99"}
    assert post_cs(logged_in, server, payload, secret).json == {"status": "accepted"}
    with app.app_context():
        purchase = db.session.scalar(db.select(Purchase))
        assert (purchase.amount_minor, purchase.currency, purchase.store) == (499, "EUR", "craftingstore")
    # The currency can be changed later; later deliveries use it.
    logged_in.post(url(server, "craftingstore/settings"), data={"currency": "GBP"}, headers=HX)
    assert post_cs(logged_in, server, payload | {"transaction_id": "cs-2"}, secret).status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(Purchase).filter_by(transaction_id="cs-2")).currency == "GBP"


def test_bad_currency_is_refused(app, logged_in, server):
    response = logged_in.post(url(server, "craftingstore/connect"), data={"currency": "dollars"})
    assert response.status_code == 400 and "3-letter currency" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Integration.id))) == 0


def test_regenerate_shows_a_new_secret_and_the_old_one_fails_at_once(app, logged_in, server):
    old = shown_secret(logged_in.post(url(server, "custom/connect"), headers=HX).get_data(as_text=True), "custom")
    assert post_custom(logged_in, server, ORDER, old).status_code == 200
    html = logged_in.post(url(server, "custom/regenerate"), headers=HX).get_data(as_text=True)
    new = shown_secret(html, "custom")
    assert new != old and "New signing secret" in html
    assert post_custom(logged_in, server, ORDER | {"transaction_id": "o-2"}, old).status_code == 401
    assert post_custom(logged_in, server, ORDER | {"transaction_id": "o-2"}, new).json == {"status": "accepted"}
    assert new not in logged_in.get(url(server)).get_data(as_text=True)


def test_disconnect_keeps_purchases_and_reconnect_gives_a_fresh_secret(app, logged_in, server):
    old = shown_secret(logged_in.post(url(server, "custom/connect"), headers=HX).get_data(as_text=True), "custom")
    assert post_custom(logged_in, server, ORDER, old).status_code == 200
    response = logged_in.post(url(server, "custom/disconnect"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Integration.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Purchase.id))) == 1
    assert post_custom(logged_in, server, ORDER | {"transaction_id": "o-3"}, old).status_code == 404
    html = logged_in.get(url(server)).get_data(as_text=True)
    assert "disconnected" in html and html.count("Not connected") == len(providers.STORES)
    new = shown_secret(logged_in.post(url(server, "custom/connect"), headers=HX).get_data(as_text=True), "custom")
    assert new != old
    assert "Waiting for the first delivery…" in logged_in.get(url(server, "custom/card")).get_data(as_text=True)
    assert post_custom(logged_in, server, ORDER | {"transaction_id": "o-3"}, new).status_code == 200


def test_htmx_disconnect_returns_the_card(logged_in, server):
    logged_in.post(url(server, "custom/connect"), headers=HX)
    html = logged_in.post(url(server, "custom/disconnect"), headers=HX).get_data(as_text=True)
    assert html.lstrip().startswith('<article class="card integration" id="integration-custom"')
    assert "Not connected" in html


def test_delivery_log_lists_attempts_paginated(app, logged_in, server):
    secret = shown_secret(logged_in.post(url(server, "custom/connect"), headers=HX).get_data(as_text=True), "custom")
    post_custom(logged_in, server, ORDER, secret)
    post_custom(logged_in, server, ORDER, secret)
    post_custom(logged_in, server, ORDER, "wrong-secret")
    html = logged_in.get(url(server, "custom/deliveries")).get_data(as_text=True)
    for text in ("accepted", "duplicate", "rejected", "signature does not match", "order-1", " ms<",
                 ">401<", ">200<"):
        assert text in html
    assert "wrong-secret" not in html and secret not in html
    for n in range(60):
        post_custom(logged_in, server, ORDER | {"transaction_id": f"bulk-{n}"}, secret)
    first = logged_in.get(url(server, "custom/deliveries")).get_data(as_text=True)
    assert "bulk-59" in first and "order-1" not in first and "Page 1 of 2" in first
    second = logged_in.get(url(server, "custom/deliveries?page=2")).get_data(as_text=True)
    assert "order-1" in second and "bulk-59" not in second
    craftingstore_log = logged_in.get(url(server, "craftingstore/deliveries")).get_data(as_text=True)
    assert "No deliveries yet." in craftingstore_log


def test_other_networks_servers_are_404(app, logged_in, server, other_network):
    from types import SimpleNamespace
    foreign = SimpleNamespace(id=other_network.server_id)
    with app.app_context():
        from models import Server
        integrations.connect(db.session.get(Server, other_network.server_id), "custom",
                             runtime.secret_box())
        db.session.commit()
    for path in ("", "custom/card", "custom/deliveries"):
        response = logged_in.get(url(foreign, path))
        assert response.status_code == 404 and b"whsec_" not in response.data
    for action in ("connect", "regenerate", "disconnect", "settings"):
        response = logged_in.post(url(foreign, f"custom/{action}"), headers=HX)
        assert response.status_code == 404 and b"whsec_" not in response.data
    assert logged_in.get(url(server, "nope/card")).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Integration.id))) == 1


def test_members_see_status_but_only_owners_change_secrets(app, client, auth, server):
    with app.app_context():
        accounts.create_user("member@example.com", "member password 1")
        accounts.add_member(db.session.get(Network, server.network_id), "member@example.com")
        db.session.commit()
    auth.login("member@example.com", "member password 1")
    assert client.get(url(server)).status_code == 200
    assert client.post(url(server, "custom/connect"), headers=HX).status_code == 403


def test_pages_need_login(client, server):
    response = client.get(url(server))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(url(server, "custom/connect")).status_code == 302


def test_unknown_store_is_404(logged_in, server):
    assert logged_in.post(url(server, "tebexx/connect")).status_code == 404


@pytest.mark.parametrize("store", ["custom", "craftingstore"])
def test_connect_twice_is_refused(app, logged_in, server, store):
    logged_in.post(url(server, f"{store}/connect"), headers=HX)
    html = logged_in.post(url(server, f"{store}/connect"), headers=HX).get_data(as_text=True)
    assert "already connected" in html and 'id="integration-' + store + '-secret"' not in html


def test_webhook_url_without_public_url_uses_the_request(app, logged_in, server):
    app.config["PUBLIC_URL"] = ""
    html = logged_in.post(url(server, "custom/connect"), headers=HX).get_data(as_text=True)
    assert f"http://localhost/api/webhooks/custom?projectId={server.project_id}" in html
