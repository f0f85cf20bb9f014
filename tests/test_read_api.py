"""The read API (GET /api/v1/...) with Network API tokens, on the hand-computed data set of
tests/revenue_data.py, and the page where owners make and revoke the tokens."""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from extensions import db
from ledger import accounts, api_tokens
from models import ApiToken, Network, Server

TOKEN = re.compile(r"tly_read_[A-Za-z0-9_-]{43}")


def make_token(app, network_id: int, name: str = "sheet") -> str:
    with app.app_context():
        _, token = api_tokens.make(network_id, name, None)
        db.session.commit()
        return token


def get(client, url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers)


def last_week() -> str:
    today = datetime.now(timezone.utc).date()
    return f"from={today - timedelta(days=6)}&to={today}"


def test_an_owner_makes_a_token_shown_once_and_stored_as_a_digest(app, logged_in, network):
    page = logged_in.post(f"/networks/{network}/api-tokens/", data={"name": "Spreadsheet"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    [token] = set(TOKEN.findall(page.text))
    assert "shown only this once" in page.text
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        stored = [str(getattr(row, c.name)) for c in ApiToken.__table__.columns]
        assert not any(token in value for value in stored)
        assert row.hint == token[:13] and api_tokens.find(token).id == row.id
    listing = logged_in.get(f"/networks/{network}/api-tokens/").text
    assert "Spreadsheet" in listing and token not in listing and token[:13] in listing
    assert get(logged_in, "/api/v1/revenue", token).status_code == 200


def test_a_name_is_required_and_members_only_look(app, logged_in, client, auth, network):
    assert logged_in.post(f"/networks/{network}/api-tokens/", data={"name": ""}).status_code == 400
    with app.app_context():
        accounts.add_member(db.session.get(Network, network), "member@example.com", "member",
                            "a member's long password")
        db.session.commit()
    token = make_token(app, network)
    auth.logout()
    auth.login("member@example.com", "a member's long password")
    assert "sheet" in client.get(f"/networks/{network}/api-tokens/").text
    assert client.post(f"/networks/{network}/api-tokens/",
                       data={"name": "mine"}).status_code == 403
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/networks/{network}/api-tokens/{token_id}/revoke").status_code == 403
    assert get(client, "/api/v1/revenue", token).status_code == 200


def test_a_revoked_token_stops_at_once(app, logged_in, network):
    token = make_token(app, network)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    done = logged_in.post(f"/networks/{network}/api-tokens/{token_id}/revoke",
                          follow_redirects=True)
    assert "is revoked" in done.text and "revoked" in done.text
    answer = get(logged_in, "/api/v1/revenue", token)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"


def test_summary_figures(app, client, server, sales):
    token = make_token(app, server.network_id)
    body = get(client, f"/api/v1/revenue?{last_week()}", token).get_json()
    totals = {t["currency"]: t for t in body["totals"]}
    assert totals["USD"] == {"currency": "USD", "purchases": 3, "gross": "22.50",
                             "refunded": "2.00", "charged_back": "0.00", "net": "20.50",
                             "buyers": 3, "net_per_buyer": "6.83", "unmatched_net": "7.50"}
    assert totals["EUR"] == {"currency": "EUR", "purchases": 2, "gross": "23.00",
                             "refunded": "0.00", "charged_back": "20.00", "net": "3.00",
                             "buyers": 1, "net_per_buyer": "3.00", "unmatched_net": "3.00"}
    all_time = get(client, "/api/v1/revenue", token).get_json()
    assert {t["currency"]: t["gross"] for t in all_time["totals"]} == {"EUR": "23.00",
                                                                       "USD": "122.50"}
    assert all_time["period"] == {"from": None, "to": None, "store": None}


def test_breakdowns(app, client, server, sales):
    token = make_token(app, server.network_id)

    def rows(by):
        body = get(client, f"/api/v1/revenue/{by}?{last_week()}", token).get_json()
        return [(r["name"], r["currency"], r["purchases"], r["gross"], r["net"])
                for r in body["rows"]]

    assert rows("store") == [("tebex", "EUR", 1, "3.00", "3.00"),
                             ("craftingstore", "EUR", 1, "20.00", "0.00"),
                             ("tebex", "USD", 2, "15.00", "13.00"),
                             ("custom", "USD", 1, "7.50", "7.50")]
    assert rows("creator")[-1] == ("Alex", "USD", 1, "10.00", "10.00")
    items = get(client, f"/api/v1/revenue/item?{last_week()}", token).get_json()["rows"]
    assert {(r["name"], r["currency"]): r["quantity"] for r in items} == {
        ("Rank", "EUR"): 1, ("Coins", "EUR"): 1, ("Key", "USD"): 3, ("VIP", "USD"): 1}
    survival = get(client, f"/api/v1/revenue/store?server={_project_id(app, sales.survival)}",
                   token).get_json()["rows"]
    assert [(r["name"], r["gross"]) for r in survival] == [("tebex", "3.00")]
    assert get(client, "/api/v1/revenue/colour", token).status_code == 404


def test_purchases_page_by_cursor_and_filter(app, client, server, sales):
    token = make_token(app, server.network_id)
    seen, url = [], "/api/v1/purchases?limit=4"
    while url:
        body = get(client, url, token).get_json()
        seen += [p["transaction_id"] for p in body["purchases"]]
        url = body["next"] and f"/api/v1/purchases?limit=4&after={body['next']}"
    assert seen == ["t5", "x4", "c3", "t2", "t1", "e6"]  # newest first, each once
    unmatched = get(client, "/api/v1/purchases?matched=false", token).get_json()["purchases"]
    assert [p["transaction_id"] for p in unmatched] == ["t5", "x4", "e6"]
    [anna] = [p for p in get(client, "/api/v1/purchases", token).get_json()["purchases"]
              if p["transaction_id"] == "t2"]
    assert (anna["amount"], anna["reversed"], anna["net"], anna["currency"]) == (
        "5.00", "2.00", "3.00", "USD")
    assert anna["items"] == [{"name": "Key", "quantity": 2, "total": "5.00"}]
    assert "email" not in anna and anna["matched"] is True


def test_bad_queries_are_refused_with_the_reason(app, client, server, sales):
    token = make_token(app, server.network_id)
    for query, reason in [("from=2024-13-01", "from: a day as YYYY-MM-DD"),
                          ("from=2024-05-02&to=2024-05-01", "to: must not be before from"),
                          ("from=1900-01-01", "from: must be between"),
                          ("limit=0", "limit: a whole number"),
                          ("limit=501", "limit: a whole number"),
                          ("matched=yes", "matched: true or false"),
                          ("after=nonsense", "after: not a cursor")]:
        answer = get(client, f"/api/v1/purchases?{query}", token)
        assert answer.status_code == 400 and reason in answer.get_json()["error"], query


def test_a_token_sees_only_its_own_network(app, client, server, sales, other_network):
    theirs = make_token(app, other_network.id)
    assert get(client, "/api/v1/purchases", theirs).get_json()["purchases"] == []
    assert get(client, "/api/v1/revenue", theirs).get_json()["totals"] == []
    ours_server = f"/api/v1/revenue?server={server.project_id}"
    assert get(client, ours_server, theirs).status_code == 404
    for bearer in (None, "tly_read_" + "x" * 43, other_network.api_key, "", theirs[:-1]):
        answer = get(client, "/api/v1/revenue", bearer)
        assert answer.status_code == 401 and "API token" in answer.get_json()["error"]


def _project_id(app, server_id: int) -> str:
    with app.app_context():
        return db.session.get(Server, server_id).project_id
