"""The Network home: where signing in lands, its figures (equal to the revenue pages' for the
same period), the latest purchases partial, store health and the setup checklist."""
import re
from datetime import timedelta

import pytest

from extensions import db
from ledger import accounts, exchange_rates, health, integrations
from models import Integration, Network, Server, User
from models.base import utcnow
from tests.test_revenue import figures, page


def home_figures(html: str) -> dict:
    """{figure: text} of the home's tiles, and {currency: {figure: text}} under "currencies"."""
    flat = dict(re.findall(r'<div class="value" data-figure="(\w+)">([^<]*)<', html))
    per_currency = {}
    for currency, figure, text in re.findall(
            r'<span data-currency="(\w+)" data-figure="(\w+)">([^<]*)<', html):
        per_currency.setdefault(currency, {})[figure] = text
    return {**flat, "currencies": per_currency}


def steps(html: str) -> dict:
    return dict(re.findall(r'data-step="(\w+)" data-done="(\w+)"', html))


def test_signing_in_lands_on_the_home_of_ones_only_network(client, auth, network, app):
    response = auth.login()
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == f"/networks/{network}/home"
    with app.app_context():
        accounts.create_network(db.session.get(User, 1), "Second")
        db.session.commit()
    assert client.get("/").headers["Location"] == "/networks/"
    listed = client.get("/networks/").get_data(as_text=True)  # each name opens its home
    assert f'href="/networks/{network}/home"' in listed


@pytest.mark.parametrize("period", ["1", "7", "30"])
def test_home_figures_equal_the_revenue_overview(logged_in, server, sales, period):
    home = home_figures(page(logged_in, f"/networks/{server.network_id}/home?period={period}"))
    overview = figures(page(logged_in, f"/networks/{server.network_id}/revenue?period={period}"))
    assert {c: f["net"] for c, f in home["currencies"].items()} == {
        c: f["net"] for c, f in overview.items()}
    assert {c: f["unmatched"] for c, f in home["currencies"].items()} == {
        c: f["unmatched"] for c, f in overview.items()}
    assert int(home["purchases"]) == sum(int(f["purchases"]) for f in overview.values())


def test_home_figures_of_the_last_7_days(app, logged_in, server, sales):
    """The hand-computed set: yesterday's five purchases (tests/revenue_data.py)."""
    html = page(logged_in, f"/networks/{server.network_id}/home?period=7")
    shown = home_figures(html)
    assert shown["currencies"] == {"EUR": {"net": "3.00 EUR", "unmatched": "100.0%"},
                                   "USD": {"net": "20.50 USD", "unmatched": "36.6%"}}
    assert shown["purchases"] == "5"
    # Steve and Anna joined (now): both new; Steve bought (P1, P3), Anna too (P2).
    assert shown["new_players"] == "2" and shown["conversion"] == "100.0%"
    # USD leads (3 purchases): YouTube has P1's 10.00 USD (P4 is Unmatched), Alex P1's too.
    assert shown["top_campaign"] == "YouTube" and shown["top_creator"] == "Alex"
    assert "<polyline" in html
    assert page(logged_in, f"/networks/{server.network_id}/home?period=1").count(
        'data-figure="purchases">0<') == 1  # nothing today


def test_home_leads_with_the_converted_total(app, logged_in, server, sales):
    with app.app_context():
        network = db.session.get(Network, server.network_id)
        exchange_rates.set_display_currency(network, "EUR")
        exchange_rates.set_rate(network.id, "USD", exchange_rates.Decimal("0.5"))
        db.session.commit()
    html = page(logged_in, f"/networks/{server.network_id}/home?period=7")
    home = home_figures(html)
    overview = figures(page(logged_in, f"/networks/{server.network_id}/revenue?period=7"))
    assert "Net revenue per day (EUR)" in html and "highest 13.25 EUR" in html  # all yesterday
    converted = re.search(r'data-figure="converted">([^<]*)<',
                          page(logged_in, f"/networks/{server.network_id}/revenue?period=7"))[1]
    assert home["converted"] == converted == "13.25 EUR"  # 3.00 + 20.50 / 2
    assert home["currencies"]["USD"]["net"] == overview["USD"]["net"]
    # Unmatched: 3.00 EUR + 7.50 USD / 2 = 6.75 EUR of 13.25 EUR
    assert home["unmatched"] == "50.9%"


def test_latest_purchases_partial(logged_in, server, sales):
    url = f"/networks/{server.network_id}/home/latest"
    response = logged_in.get(url, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-trigger="every 20s"' in html
    # Newest first: P6 is 100 days old, so last; P5 (Survival, Unmatched) first.
    ids = [int(i) for i in re.findall(r'data-purchase="(\d+)"', html)]
    assert ids == [sales.p[5], sales.p[4], sales.p[3], sales.p[2], sales.p[1], sales.p[6]]
    alone = logged_in.get(url).get_data(as_text=True)  # opened directly: a whole page
    assert "<title>Latest purchases · Test Network" in alone and f'data-purchase="{ids[0]}"' in alone


def test_store_health_on_the_home(app, logged_in, server):
    import runtime

    with app.app_context():
        srv = db.session.get(Server, server.id)
        integrations.connect(srv, "custom", runtime.secret_box())
        integrations.connect(srv, "tebex", runtime.secret_box(), secret="t" * 32)
        db.session.commit()
    html = page(logged_in, f"/networks/{server.network_id}/home")
    assert re.search(r'data-store="custom">.*?Waiting.*?none yet', html, re.S)
    with app.app_context():
        for row in db.session.query(Integration):
            row.last_delivery_at = utcnow() - timedelta(hours=1)
        srv = db.session.get(Server, server.id)
        for _ in range(health.FAILURES):
            health.note_refusal(srv, "tebex", "bad signature")
        db.session.commit()
    html = page(logged_in, f"/networks/{server.network_id}/home")
    assert re.search(r'data-store="custom">.*?Connected.*?Last delivery: \d{4}-', html, re.S)
    assert re.search(r'data-store="tebex">.*?Failing.*?see why', html, re.S)


def test_empty_network_says_what_to_do(logged_in, network):
    html = page(logged_in, f"/networks/{network}/home")
    assert "No purchases in this period" in html and "No store connected yet" in html
    assert "No purchases yet" in html
    assert steps(html) == {"server": "no", "plugin": "no", "store": "no", "campaign": "no",
                           "attributed": "no"}
    assert f'href="/networks/{network}"' in html  # "Create a Server" links to the Servers page


def test_checklist_follows_the_data_and_goes_away(app, logged_in, server, sales):
    html = page(logged_in, f"/networks/{server.network_id}/home")
    # Server, players (revenue_data adds them), Campaign, attributed purchases; no store.
    assert steps(html) == {"server": "yes", "plugin": "yes", "store": "no", "campaign": "yes",
                           "attributed": "yes"}
    with app.app_context():
        import runtime

        integration, _ = integrations.connect(db.session.get(Server, server.id), "custom",
                                              runtime.secret_box())
        db.session.commit()
        waiting = steps(page(logged_in, f"/networks/{server.network_id}/home"))
        assert waiting["store"] == "no"  # connected, but no delivery accepted yet
        integration.last_delivery_at = utcnow()
        db.session.commit()
    html = page(logged_in, f"/networks/{server.network_id}/home")
    assert steps(html) == {} and "Set up " not in html


def test_home_of_another_network_is_404(logged_in, other_network):
    assert logged_in.get(f"/networks/{other_network.id}/home").status_code == 404
    assert logged_in.get(f"/networks/{other_network.id}/home/latest",
                         headers={"HX-Request": "true"}).status_code == 404


def test_new_players_and_conversion_count_only_the_period(app, server, sales):
    """Players first seen before the period are not new; a new player who has not bought
    lowers the conversion."""
    from datetime import datetime, timezone

    from ledger import home
    from models import Player
    from tests.revenue_data import add_player

    with app.app_context():
        anna = db.session.query(Player).filter_by(username="Anna").one()
        anna.first_seen = utcnow() - timedelta(days=10)  # joined before the last 7 days
        add_player(server.id, "Newbie")  # joined now, bought nothing
        db.session.commit()
        today = datetime.now(timezone.utc).date()
        network = db.session.get(Network, server.network_id)
        week = home.glance(network, "7", today)
        assert (week.new_players, week.new_buyers) == (2, 1)  # Steve bought, Newbie did not
        assert week.conversion_permille == 500
        month = home.glance(network, "30", today)
        assert (month.new_players, month.new_buyers) == (3, 2)
        assert home.glance(network, "bogus", today).scope == week.scope  # falls back to 7 days


def test_breakdown_groups_sort_by_converted_net_only_when_every_row_has_one(app, server, sales):
    from datetime import datetime, timezone

    from ledger import revenue, revenue_groups
    from ledger.periods import Scope

    with app.app_context():
        network = db.session.get(Network, server.network_id)
        rows = revenue.breakdown(Scope(network.id, start=datetime.now(timezone.utc).date()
                                       - timedelta(days=6)), "store")
        exchange_rates.set_display_currency(network, "EUR")
        db.session.flush()
        # No USD rate: craftingstore (EUR only) has a converted net, tebex does not; the order
        # stays by USD first, then EUR.
        groups = revenue_groups.grouped(rows, network, "-net")
        assert [g.label for g in groups] == ["tebex", "custom", "craftingstore"]
        assert groups[2].converted == {"gross": 2000, "net": 0} and groups[0].converted is None
        exchange_rates.set_rate(network.id, "USD", exchange_rates.Decimal("2"))
        groups = revenue_groups.grouped(rows, network, "net")  # ascending, converted
        assert [(g.label, g.converted["net"]) for g in groups] == [
            ("craftingstore", 0), ("custom", 1500), ("tebex", 2900)]
        db.session.rollback()


@pytest.mark.parametrize("path, says", [
    ("/networks/{n}/revenue", "No purchases in this period. Choose a longer period"),
    ("/networks/{n}/revenue/purchases", "Choose a longer period or clear a filter"),
    ("/servers/{s}/players", "Install the plugin"),
    ("/servers/{s}/integrations/custom/deliveries", "No deliveries yet. Put the webhook URL"),
    ("/networks/{n}/campaigns/", "Add the first one below"),
])
def test_empty_pages_say_what_to_do_next(logged_in, server, path, says):
    html = page(logged_in, path.format(n=server.network_id, s=server.id))
    assert re.search(r'class="empty">[^<]*' + re.escape(says), html), html[-2000:]
