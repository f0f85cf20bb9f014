"""One Campaign's page (ledger.campaign_detail): every figure against tests/funnel_data.py."""
from datetime import date, timedelta

import pytest

from extensions import db
from ledger import campaign_detail
from ledger.periods import Scope
from ledger.purchases import record_purchase
from models import Server
from models.activity import ORGANIC
from tests import funnel_data
from tests.revenue_data import event

TODAY = date(2026, 11, 30)
MARCH = (date(2026, 3, 1), date(2026, 4, 30))


@pytest.fixture
def funnel_set(app, server):
    """The data set, plus Steve buying 3.00 USD on 10 April (the month after he joined)."""
    with app.app_context():
        data = funnel_data.build(server.network_id, server.id)
        record_purchase(db.session.get(Server, server.id), "tebex", event(
            "april", "Steve", 300, "USD", [("Key", 1, 300)], funnel_data.at(1) + timedelta(
                days=40)))
        db.session.commit()
        return data


def test_youtube(app, server, funnel_set):
    with app.app_context():
        got = campaign_detail.detail(Scope(server.network_id, None, *MARCH),
                                     funnel_set.youtube, TODAY)
        assert got.gross == {"USD": 1800} and got.figures.net == {"USD": 1600}
        assert (got.figures.new_players, got.figures.returning_players, got.figures.buyers) == \
            (2, 1, 1)
        assert got.days == [(date(2026, 3, 1), 1, 0), (date(2026, 3, 2), 1, 1)]
        assert got.median_to_purchase == timedelta(days=1)  # Steve: 1 March -> 2 March
        [cohort] = got.cohorts
        assert (cohort.month, cohort.players) == (date(2026, 3, 1), 2)
        assert cohort.net == {"USD": [1300, 300] + [0] * 10}


def test_organic_and_tiktok(app, server, funnel_set):
    with app.app_context():
        scope = Scope(server.network_id, None, *MARCH)
        organic = campaign_detail.detail(scope, ORGANIC, TODAY)
        assert organic.gross == {"EUR": 2000}  # Ghost's Unmatched purchase is not organic
        assert organic.median_to_purchase == timedelta(days=2)
        assert organic.days == [(date(2026, 3, 1), 1, 0), (date(2026, 3, 5), 0, 1)]
        assert [(c.players, c.net) for c in organic.cohorts] == [(1, {"EUR": [2000] + [0] * 11})]
        tiktok = campaign_detail.detail(scope, funnel_set.tiktok, TODAY)
        assert tiktok.median_to_purchase == timedelta(days=1)  # Bob on Survival
        assert [(c.players, c.net) for c in tiktok.cohorts] == [(2, {"EUR": [400] + [0] * 11})]
        on_lobby = campaign_detail.detail(Scope(server.network_id, server.id, *MARCH),
                                          funnel_set.tiktok, TODAY)
        assert on_lobby.median_to_purchase is None and on_lobby.gross == {}
        assert [(c.players, c.net) for c in on_lobby.cohorts] == [(1, {})]


def test_a_period_before_anyone_joined(app, server, funnel_set):
    with app.app_context():
        got = campaign_detail.detail(Scope(server.network_id, None, date(2026, 1, 1),
                                           date(2026, 1, 31)), funnel_set.youtube, TODAY)
        assert got.days == [] and got.cohorts == [] and got.median_to_purchase is None


def test_campaign_page(app, logged_in, server, funnel_set):
    url = f"/networks/{server.network_id}/campaigns/{funnel_set.youtube}/funnel"
    html = logged_in.get(url + "?period=custom&start=2026-03-01&end=2026-04-30").get_data(
        as_text=True)
    assert "YouTube" in html and 'data-figure="conversion">50.0%' in html
    assert "18.00 USD" in html and "16.00 USD" in html and "8.00 USD" in html  # per new player
    assert "24 h 0 min" in html and "2026-03" in html and "3.00 USD" in html
    assert "<svg" in html and "0.53×" in html  # 16.00 / 30.00
    organic = logged_in.get(f"/networks/{server.network_id}/campaigns/0/funnel?period=all")
    assert organic.status_code == 200 and "No campaign" in organic.get_data(as_text=True)
    compare = logged_in.get(f"/networks/{server.network_id}/campaigns/compare?period=all")
    assert f"/campaigns/{funnel_set.youtube}/funnel?period=all" in compare.get_data(as_text=True)


def test_another_networks_campaign_is_404(app, logged_in, network, other_network):
    with app.app_context():
        theirs_id = funnel_data.their_campaign(other_network)
    assert logged_in.get(f"/networks/{network}/campaigns/{theirs_id}/funnel").status_code == 404
    assert logged_in.get(f"/networks/{other_network.id}/campaigns/0/funnel").status_code == 404


def test_net_cost_and_return_in_the_display_currency(app, logged_in, server, funnel_set):
    """TikTok: net 4.00 EUR; cost 10.00 EUR + 5.00 USD at 0.9 = 14.50 EUR; return 0.28×."""
    from decimal import Decimal

    from ledger import exchange_rates
    from models import Network

    url = f"/networks/{server.network_id}/campaigns/{funnel_set.tiktok}/funnel?period=all"
    with app.app_context():
        exchange_rates.set_display_currency(db.session.get(Network, server.network_id), "EUR")
        db.session.commit()
    html = logged_in.get(url).get_data(as_text=True)
    assert "cost <strong>10.00 EUR</strong>" in html and "no exchange rate: USD" in html
    assert "return <strong>" not in html  # not while a currency is left out
    with app.app_context():
        exchange_rates.set_rate(server.network_id, "USD", Decimal("0.9"))
        db.session.commit()
    html = logged_in.get(url).get_data(as_text=True)
    assert "net <strong>4.00 EUR</strong>" in html and "cost <strong>14.50 EUR</strong>" in html
    assert "return <strong>0.28×</strong>" in html


def test_the_read_api_gives_the_comparison_and_a_campaigns_page(app, client, server, funnel_set,
                                                                other_network):
    from ledger import api_tokens

    with app.app_context():
        _, token = api_tokens.make(server.network_id, "sheet", None)
        _, theirs = api_tokens.make(other_network.id, "theirs", None)
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    march = "from=2026-03-01&to=2026-04-30"
    rows = client.get(f"/api/v1/campaigns?{march}", headers=headers).get_json()["campaigns"]
    youtube = next(row for row in rows if row["name"] == "YouTube")
    assert youtube == {"id": funnel_set.youtube, "name": "YouTube", "new_players": 2,
                       "returning_players": 1, "buyers": 1, "conversion": 0.5,
                       "net": {"USD": "16.00"}, "cost": {"USD": "30.00"}}
    assert any(row["id"] is None and row["name"] is None for row in rows)  # organic
    page = client.get(f"/api/v1/campaigns/{funnel_set.youtube}?{march}", headers=headers)
    body = page.get_json()
    assert body["gross"] == {"USD": "18.00"} and body["median_seconds_to_first_purchase"] == 86400
    assert body["days"] == [{"day": "2026-03-01", "new_players": 1, "returning_players": 0},
                            {"day": "2026-03-02", "new_players": 1, "returning_players": 1}]
    assert body["cohorts"][0]["month"] == "2026-03" and body["cohorts"][0]["players"] == 2
    assert body["cohorts"][0]["net"]["USD"][:2] == ["13.00", "3.00"]
    assert client.get(f"/api/v1/campaigns/{ORGANIC}", headers=headers).status_code == 200
    stranger = {"Authorization": f"Bearer {theirs}"}
    assert client.get(f"/api/v1/campaigns/{funnel_set.youtube}",
                      headers=stranger).status_code == 404
    assert "YouTube" not in client.get("/api/v1/campaigns", headers=stranger).text
