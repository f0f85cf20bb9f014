"""The plugin's purchases and refunds API: the Custom webhook's rules, the ledger's write path,
all or nothing, idempotency, and the Server's Game server log."""
import json

import pytest
from sqlalchemy import select

from extensions import db
from ledger import campaigns
from models import Adjustment, Delivery, Network, Player, Purchase
from tests.test_corrections import assert_rollups_exact

PURCHASES, REFUNDS = "/api/v1/purchases", "/api/v1/refunds"


def call(client, url, body, key):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(url, data=data, content_type="application/json",
                       headers={"Authorization": f"Bearer {key}"})


def order(n=1, **fields):
    return {"transaction_id": f"tx-{n}", "username": "Steve", "amount": 9.99,
            "currency": "EUR", **fields}


def stored(app):
    with app.app_context():
        return db.session.scalars(select(Purchase).order_by(Purchase.id)).all()


def log_rows(app, server_id):
    with app.app_context():
        return db.session.scalars(select(Delivery).filter_by(server_id=server_id)
                                  .order_by(Delivery.id)).all()


@pytest.fixture
def attributed(app, network, server, client):
    """Steve joined through the YouTube Campaign's hostname; creator code ALEX exists."""
    with app.app_context():
        net = db.session.get(Network, network)
        campaign = campaigns.create_campaign(net, "YouTube", ["yt.example.net"], "YT")
        creator = campaigns.create_creator(net, "Alex", "ALEX")
        db.session.commit()
        ids = campaign.id, creator.id
    response = client.post("/api/v1/players/join", json={"username": "Steve",
                                                         "hostname": "YT.example.net:25565"},
                           headers={"Authorization": f"Bearer {server.api_key}"})
    assert response.status_code == 200
    return ids


def test_one_purchase_is_attributed_to_player_campaign_and_creator(app, client, server, attributed):
    campaign_id, creator_id = attributed
    body = order(coupon="alex", items=[{"name": "VIP", "price": 9.99}],
                 timestamp="2026-03-27T12:00:00Z")
    response = call(client, PURCHASES, body, server.api_key)
    assert response.status_code == 200
    assert response.get_json() == {"accepted": 1, "duplicate": 0}
    [purchase] = stored(app)
    assert (purchase.store, purchase.transaction_id, purchase.amount_minor, purchase.currency) == \
        ("command", "tx-1", 999, "EUR")
    assert (purchase.campaign_id, purchase.creator_id, purchase.coupon) == \
        (campaign_id, creator_id, "alex")
    with app.app_context():
        assert db.session.get(Purchase, purchase.id).player.username == "Steve"
        assert_rollups_exact()


def test_a_list_counts_new_and_duplicate_purchases(app, client, server):
    assert call(client, PURCHASES, order(1), server.api_key).get_json() == \
        {"accepted": 1, "duplicate": 0}
    body = [order(1), order(2), order(3, store="tebex"), order(2)]
    response = call(client, PURCHASES, body, server.api_key)
    assert response.get_json() == {"accepted": 2, "duplicate": 2}
    assert [(p.store, p.transaction_id) for p in stored(app)] == \
        [("command", "tx-1"), ("command", "tx-2"), ("tebex", "tx-3")]
    # A resend after a lost reply counts nothing twice.
    assert call(client, PURCHASES, body, server.api_key).get_json() == \
        {"accepted": 0, "duplicate": 4}
    assert len(stored(app)) == 3


def test_unmatched_purchase_is_linked_when_the_player_joins(app, client, server):
    call(client, PURCHASES, order(username="Later"), server.api_key)
    assert stored(app)[0].player_id is None
    client.post("/api/v1/players/join", json={"username": "later"},
                headers={"Authorization": f"Bearer {server.api_key}"})
    assert stored(app)[0].player_id is not None


def test_a_thousand_purchases_in_one_call(app, client, server):
    response = call(client, PURCHASES, [order(n) for n in range(1000)], server.api_key)
    assert response.get_json() == {"accepted": 1000, "duplicate": 0}


@pytest.mark.parametrize("body, error", [
    ([order(n) for n in range(1001)], "at most 1000 purchases"),
    ([], "empty"),
    ("tx-1", "JSON object or a list"),
    (b'{"transaction_id": "x",', "not valid JSON"),
    (b'{"transaction_id":"a","username":"b","amount":NaN}', "not valid JSON"),
    ([order(1), order(2), order(3, amount="9.99")], "[2].amount must be a number"),
    ([order(1), 5], "[1]: must be an object"),
    ([order(1), order(2, amount=9.999)], "[1].amount has more decimal places than EUR allows"),
    (order(amount=-0.01), "amount must not be negative"),
    (order(amount=1000000.01), "amount is above the 1000000 limit"),
    (order(amount=True), "amount must be a number"),
    (order(currency="EURO"), "currency must be a 3-letter currency code"),
    ({"username": "Steve", "amount": 1}, "transaction_id is required"),
    (order(username=""), "username must not be empty"),
    (order(items=[{"name": "VIP"}]), "items[0].price is required"),
    (order(timestamp="yesterday"), "timestamp is not an ISO 8601 timestamp"),
    (order(coupon=5), "coupon must be a string"),
    (order(store="Tebex Store"), "store must be 1-32 lowercase letters"),
])
def test_bad_purchases_are_400_and_nothing_is_stored(app, client, server, body, error):
    call(client, PURCHASES, order(99), server.api_key)  # stored before: must stay as it is
    response = call(client, PURCHASES, body, server.api_key)
    assert response.status_code == 400
    assert error in response.get_json()["error"]
    assert [p.transaction_id for p in stored(app)] == ["tx-99"]
    rejected = log_rows(app, server.id)[-1]
    assert (rejected.status_code, rejected.outcome, rejected.reason) == \
        (400, "rejected", response.get_json()["error"])


def test_same_errors_as_the_custom_webhook(app, client, server):
    """One set of rules: the plugin API's message for an object is the Custom webhook's."""
    from providers import custom
    from providers.base import PayloadError

    bad = json.dumps(order(amount=0.001)).encode()
    with pytest.raises(PayloadError) as raised:
        custom.parse(bad, None, {})
    assert call(client, PURCHASES, bad, server.api_key).get_json()["error"] == str(raised.value)


@pytest.mark.parametrize("url", [PURCHASES, REFUNDS])
@pytest.mark.parametrize("key", [None, "tly_wrong"])
def test_unknown_key_is_401(app, client, server, url, key):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = client.post(url, json=order(), headers=headers)
    assert response.status_code == 401 and "plugin key" in response.get_json()["error"]
    assert stored(app) == []


def test_body_over_the_limit_is_413_and_logged(app, client, server):
    app.config["API_MAX_BYTES"] = 2048
    response = call(client, PURCHASES, [order(n) for n in range(100)], server.api_key)
    assert response.status_code == 413
    [row] = log_rows(app, server.id)
    assert (row.status_code, row.body) == (413, None)


def test_calls_are_in_the_game_server_log(app, client, server):
    call(client, PURCHASES, order(1), server.api_key)
    call(client, PURCHASES, order(1), server.api_key)
    call(client, PURCHASES, [order(2), order(3)], server.api_key)
    call(client, REFUNDS, {"transaction_id": "tx-1"}, server.api_key)
    call(client, REFUNDS, {"transaction_id": "nope"}, server.api_key)
    rows = [(d.store, d.status_code, d.outcome, d.transaction_id, d.reason)
            for d in log_rows(app, server.id)]
    assert rows == [
        ("plugin", 200, "accepted", "tx-1", None),
        ("plugin", 200, "duplicate", "tx-1", None),
        ("plugin", 200, "accepted", "tx-2", "2 new, 0 already recorded"),
        ("plugin", 200, "accepted", "tx-1", None),
        ("plugin", 404, "rejected", None, "no purchase 'nope' from store 'command' on this Server"),
    ]
    assert json.loads(log_rows(app, server.id)[0].body) == order(1)


def refunds_of(app):
    with app.app_context():
        return [(a.amount_minor, a.external_id) for a in
                db.session.scalars(select(Adjustment).order_by(Adjustment.id))]


def test_refund_of_the_rest_and_its_resend(app, client, server):
    call(client, PURCHASES, order(1), server.api_key)
    response = call(client, REFUNDS, {"transaction_id": "tx-1"}, server.api_key)
    assert (response.status_code, response.get_json()) == (200, {"accepted": 1, "duplicate": 0})
    assert call(client, REFUNDS, {"transaction_id": "tx-1"}, server.api_key).get_json() == \
        {"accepted": 0, "duplicate": 1}
    assert refunds_of(app) == [(999, "plugin:rest")]
    assert stored(app)[0].reversed_minor == 999
    with app.app_context():
        assert_rollups_exact()


def test_partial_refunds_by_amount_and_by_refund_id(app, client, server):
    call(client, PURCHASES, order(1, amount=10), server.api_key)
    for body in ({"transaction_id": "tx-1", "amount": 2.5},
                 {"transaction_id": "tx-1", "amount": 2.5},  # the same refund, resent
                 {"transaction_id": "tx-1", "amount": 2.5, "refund_id": "second"}):
        assert call(client, REFUNDS, body, server.api_key).status_code == 200
    assert refunds_of(app) == [(250, "plugin:250"), (250, "plugin:second")]
    assert stored(app)[0].reversed_minor == 500


@pytest.mark.parametrize("body, status, error", [
    ({"transaction_id": "tx-404"}, 404, "no purchase 'tx-404' from store 'command'"),
    ({"transaction_id": "tx-1", "store": "tebex"}, 404, "from store 'tebex'"),
    ({"amount": 1}, 400, "transaction_id is required"),
    ({"transaction_id": "tx-1", "amount": "1"}, 400, "amount must be a number"),
    ({"transaction_id": "tx-1", "amount": 0.001}, 400, "more decimal places than EUR allows"),
    ({"transaction_id": "tx-1", "amount": 0}, 400, "must be a positive amount"),
    ({"transaction_id": "tx-1", "amount": 10}, 400, "exceeds the 999"),
    ([{"transaction_id": "tx-1"}], 400, "must be a JSON object"),
])
def test_bad_refunds_change_nothing(app, client, server, body, status, error):
    call(client, PURCHASES, order(1), server.api_key)
    response = call(client, REFUNDS, body, server.api_key)
    assert response.status_code == status
    assert error in response.get_json()["error"]
    assert refunds_of(app) == [] and stored(app)[0].reversed_minor == 0


def test_another_servers_purchase_is_not_found(app, client, server, other_network):
    call(client, PURCHASES, order(1), other_network.api_key)
    assert call(client, REFUNDS, {"transaction_id": "tx-1"}, server.api_key).status_code == 404
    assert stored(app)[0].reversed_minor == 0


def test_players_seen_by_the_plugin_are_on_the_status(app, client, server, attributed):
    from ledger import game_server

    call(client, PURCHASES, order(1), server.api_key)
    with app.app_context():
        status = game_server.status(server.id)
        assert status.joins_today == 1 and status.last_join is not None
        assert status.last_purchase.transaction_id == "tx-1"
        player = db.session.scalar(select(Player))
        assert status.last_join == player.last_seen
