"""The plugin join API: players, first-touch Campaigns, bulk import, bad input, re-matching."""
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from extensions import db
from ledger import campaigns
from models import Network, Player, Purchase
from providers.plugin_api import parse_joins

URL = "/api/v1/players/join"


def post(client, server, body, key=None, **kwargs):
    headers = {"Authorization": f"Bearer {key or server.api_key}"}
    return client.post(URL, json=body, headers=headers, **kwargs)


def players(app, server_id):
    with app.app_context():
        return {p.username: p for p in db.session.scalars(select(Player).filter_by(server_id=server_id))}


@pytest.fixture
def campaign(app, network):
    """A Campaign with a join hostname and a code. Returns its id."""
    with app.app_context():
        c = campaigns.create_campaign(db.session.get(Network, network), "YouTube",
                                      ["yt.example.net"], "YT")
        db.session.commit()
        return c.id


def test_first_join_creates_player(client, app, server):
    response = post(client, server, {"username": "Steve", "uuid": "069A79F444E94726A5BEFCA90E38AAF5"})
    assert response.status_code == 200
    assert response.get_json() == {"players": 1, "created": 1, "rematched": 0}
    player = players(app, server.id)["Steve"]
    assert player.uuid == "069a79f4-44e9-4726-a5be-fca90e38aaf5"
    assert player.first_seen == player.last_seen
    assert player.campaign_id is None


def test_hostname_sets_campaign_case_insensitive_and_without_port(client, app, server, campaign):
    response = post(client, server, {"username": "Alex", "hostname": "YT.Example.NET:25565"})
    assert response.status_code == 200
    assert players(app, server.id)["Alex"].campaign_id == campaign


def test_forge_marker_is_ignored_in_hostname(client, app, server, campaign):
    post(client, server, {"username": "Alex", "hostname": "yt.example.net\u0000FML2\u0000"})
    assert players(app, server.id)["Alex"].campaign_id == campaign


def test_campaign_code_sets_campaign(client, app, server, campaign):
    assert post(client, server, {"username": "Alex", "campaign": "yt"}).status_code == 200
    assert players(app, server.id)["Alex"].campaign_id == campaign


def test_unknown_hostname_or_code_means_no_campaign(client, app, server, campaign):
    body = [{"username": "Alex", "hostname": "play.example.net"}, {"username": "Bob", "campaign": "x"}]
    assert post(client, server, body).status_code == 200
    assert {p.campaign_id for p in players(app, server.id).values()} == {None}


def test_later_joins_keep_campaign_and_update_the_rest(client, app, server, campaign):
    post(client, server, {"username": "Alex", "hostname": "yt.example.net"})
    first = players(app, server.id)["Alex"]
    response = post(client, server, {"username": "ALEX", "hostname": "other.example.net",
                                     "campaign": "nope", "uuid": "069a79f4-44e9-4726-a5be-fca90e38aaf5"})
    assert response.get_json() == {"players": 1, "created": 0, "rematched": 0}
    again = players(app, server.id)["ALEX"]
    assert again.id == first.id
    assert again.campaign_id == campaign
    assert again.first_seen == first.first_seen
    assert again.last_seen > first.last_seen
    assert again.uuid == "069a79f4-44e9-4726-a5be-fca90e38aaf5"


def test_first_join_without_campaign_never_gets_one_later(client, app, server, campaign):
    post(client, server, {"username": "Alex"})
    post(client, server, {"username": "Alex", "hostname": "yt.example.net"})
    assert players(app, server.id)["Alex"].campaign_id is None


def test_bedrock_names_are_accepted(client, app, server):
    response = post(client, server, [{"username": ".BedrockGuy"}, {"username": "*Other_1"}])
    assert response.status_code == 200
    assert set(players(app, server.id)) == {".BedrockGuy", "*Other_1"}


def test_bulk_import(client, app, server, campaign):
    body = [{"username": f"player_{i}", "hostname": "yt.example.net"} for i in range(1000)]
    response = post(client, server, body)
    assert response.status_code == 200
    assert response.get_json()["created"] == 1000
    with app.app_context():
        assert db.session.scalar(select(func.count(Player.id)).filter(
            Player.server_id == server.id, Player.campaign_id == campaign)) == 1000


def test_duplicate_in_one_request_is_one_player(client, app, server):
    response = post(client, server, [{"username": "Alex"}, {"username": "ALEX"}])
    assert response.get_json() == {"players": 1, "created": 1, "rematched": 0}
    assert list(players(app, server.id)) == ["ALEX"]


def test_players_are_per_server(client, app, server, other_network):
    post(client, server, {"username": "Alex"})
    assert players(app, other_network.server_id) == {}


@pytest.mark.parametrize("key", [None, "", "tly_wrong", "Basic abc"])
def test_bad_key_is_401(client, app, server, key):
    headers = {} if key is None else {"Authorization": key if " " in key else f"Bearer {key}"}
    response = client.post(URL, json={"username": "Alex"}, headers=headers)
    assert response.status_code == 401
    assert "error" in response.get_json()
    assert players(app, server.id) == {}


def test_key_of_another_server_writes_there(client, app, server, other_network):
    post(client, server, {"username": "Alex"}, key=other_network.api_key)
    assert set(players(app, other_network.server_id)) == {"Alex"}
    assert players(app, server.id) == {}


@pytest.mark.parametrize("body, where", [
    ({"uuid": "069a79f444e94726a5befca90e38aaf5"}, "username"),
    ({"username": "ab"}, "username"),
    ({"username": "seventeen_chars_x"}, "username"),
    ({"username": "bad name"}, "username"),
    ({"username": "..dots"}, "username"),
    ({"username": 12345}, "username"),
    ({"username": "Alex", "uuid": "not-a-uuid"}, "uuid"),
    ({"username": "Alex", "hostname": 5}, "hostname"),
    ({"username": "Alex", "campaign": ["x"]}, "campaign"),
    ([{"username": "Alex"}, {"username": "Bob"}, {"username": "no!"}], "[2].username"),
    ([{"username": "Alex"}, "Bob"], "[1]"),
    ([], "empty"),
    ([{"username": f"p{i:04d}"} for i in range(1001)], "1000"),
    ("Alex", "object"),
    (42, "object"),
])
def test_bad_input_is_400_and_writes_nothing(client, app, server, body, where):
    response = post(client, server, body)
    assert response.status_code == 400
    assert where in response.get_json()["error"]
    assert players(app, server.id) == {}


@pytest.mark.parametrize("data", [b"{not json", b"", b"null"])
def test_malformed_json_is_400(client, app, server, data):
    response = client.post(URL, data=data, content_type="application/json",
                           headers={"Authorization": f"Bearer {server.api_key}"})
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_body_over_limit_is_413(client, app, server):
    body = [{"username": "Alex", "hostname": "x" * 300}] * 3600  # > 1 MiB
    response = post(client, server, body)
    assert response.status_code == 413
    assert "error" in response.get_json()
    assert players(app, server.id) == {}


def test_get_is_405_json(client):
    response = client.get(URL)
    assert response.status_code == 405
    assert "error" in response.get_json()


def _purchase(server, username, transaction_id):
    return Purchase(network_id=server.network_id, server_id=server.id, store="custom",
                    transaction_id=transaction_id, username=username, username_key=username.lower(),
                    amount_minor=999, currency="USD",
                    purchased_at=datetime(2024, 1, 2, tzinfo=timezone.utc))


def test_first_join_rematches_unmatched_purchases(client, app, server, other_network, campaign):
    with app.app_context():
        db.session.add_all([_purchase(server, "alex", "t1"), _purchase(server, "ALEX", "t2"),
                            _purchase(server, "bob", "t3")])
        foreign = _purchase(server, "alex", "t4")
        foreign.server_id, foreign.network_id = other_network.server_id, other_network.id
        db.session.add(foreign)
        db.session.commit()
    response = post(client, server, {"username": "Alex", "hostname": "yt.example.net"})
    assert response.get_json() == {"players": 1, "created": 1, "rematched": 2}
    with app.app_context():
        rows = {p.transaction_id: p for p in db.session.scalars(select(Purchase))}
        alex = db.session.scalar(select(Player).filter_by(server_id=server.id, username_key="alex"))
        assert {rows["t1"].player_id, rows["t2"].player_id} == {alex.id}
        assert {rows["t1"].campaign_id, rows["t2"].campaign_id} == {campaign}
        assert rows["t3"].player_id is None and rows["t4"].player_id is None
    # a later join re-matches nothing more
    assert post(client, server, {"username": "alex"}).get_json()["rematched"] == 0


def test_purchase_that_raced_the_first_join_is_matched_on_the_next(client, app, server,
                                                                  campaign):
    post(client, server, {"username": "Alex", "hostname": "yt.example.net"})
    with app.app_context():  # as if its INSERT looked for Alex before the join committed
        db.session.add(_purchase(server, "alex", "raced"))
        db.session.commit()
    assert post(client, server, {"username": "alex"}).get_json()["rematched"] == 1
    with app.app_context():
        purchase = db.session.scalar(select(Purchase).filter_by(transaction_id="raced"))
        assert purchase.player_id is not None and purchase.campaign_id == campaign


def test_join_that_loses_an_insert_race_uses_the_winner(app, server, monkeypatch):
    """The player appears between our lookup and our insert: no error, the row is reused."""
    from ledger import players as ledger_players
    from models import Server

    with app.app_context():
        db.session.add(Player(server_id=server.id, username="Alex", username_key="alex"))
        db.session.commit()
    monkeypatch.setattr(ledger_players, "_existing", lambda server_id, keys: {})
    with app.app_context():
        srv = db.session.get(Server, server.id)
        result = ledger_players.record_joins(srv, parse_joins({"username": "ALEX"}))
        db.session.commit()
    assert (result.players, result.created) == (1, 0)
    assert list(players(app, server.id)) == ["ALEX"]


def test_concurrent_joins_of_a_new_player(app, server):
    """Eight plugin requests for the same new player at once: all succeed, one player."""
    barrier = threading.Barrier(8)
    statuses = []

    def join():
        client = app.test_client()
        barrier.wait()
        statuses.append(post(client, server, {"username": "Racer"}).status_code)

    threads = [threading.Thread(target=join) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    assert list(players(app, server.id)) == ["Racer"]
