"""Revenue pages: every figure on the hand-computed set in tests/revenue_data.py."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from extensions import db
from ledger.purchases import record_purchase
from models import Server
from tests import revenue_data
from tests.revenue_data import event


def figures(html: str) -> dict:
    """{currency: {figure: text}} from the headline: a card for one currency, a table row
    per currency for several."""
    return {m[1]: dict(re.findall(r'data-figure="(\w+)">(?:<strong>)?([^<]*)<', m[2]))
            for m in re.finditer(r'data-currency="(\w+)"(.*?)</(?:section|tr)>', html, re.S)}


def table(html: str, by: str) -> list[list[str]]:
    """Body rows of a breakdown table as lists of cell texts."""
    match = re.search(rf'data-breakdown="{by}">.*?<tbody>(.*?)</tbody>', html, re.S)
    if match is None:
        return []
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                          row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", match[1], re.S)]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def test_headline_figures_then_rematch(app, logged_in, server, sales):
    url = f"/networks/{server.network_id}/revenue?period=7"
    before = figures(page(logged_in, url))
    assert before["USD"] == {
        "gross": "22.50 USD", "refunded": "2.00 USD", "charged_back": "0.00 USD",
        "net": "20.50 USD", "purchases": "3", "buyers": "3", "per_buyer": "6.83 USD",
        "unmatched": "36.6%"}
    assert before["EUR"] == {
        "gross": "23.00 EUR", "refunded": "0.00 EUR", "charged_back": "20.00 EUR",
        "net": "3.00 EUR", "purchases": "2", "buyers": "1", "per_buyer": "3.00 EUR",
        "unmatched": "100.0%"}
    with app.app_context():
        assert revenue_data.ghost_joins(server.id, sales.youtube) == 1
    after = figures(page(logged_in, url))
    assert after["USD"]["unmatched"] == "0.0%"
    assert after["USD"]["net"] == "20.50 USD"
    html = page(logged_in, url)
    # Each Campaign once, its currencies inside; by net in USD (the most purchases) first.
    assert table(html, "campaign") == [
        ["YouTube", "3", "20.00 EUR\n17.50 USD", "20.00 EUR\n0.00 USD", "0.00 EUR\n17.50 USD"],
        ["No Campaign", "2", "3.00 EUR\n5.00 USD", "0.00 EUR\n2.00 USD", "3.00 EUR\n3.00 USD"],
    ]


def test_periods_and_all_time(logged_in, server, sales):
    base = f"/networks/{server.network_id}/revenue"
    assert figures(page(logged_in, base + "?period=30"))["USD"]["gross"] == "22.50 USD"
    assert figures(page(logged_in, base))["USD"]["gross"] == "22.50 USD"  # default: 30 days
    all_time = figures(page(logged_in, base + "?period=all"))["USD"]
    assert all_time["gross"] == "122.50 USD"
    assert all_time["buyers"] == "4"
    assert all_time["purchases"] == "4"
    assert all_time["unmatched"] == "89.2%"  # (7.50 + 100.00) / 120.50
    old = (datetime.now(timezone.utc) - timedelta(days=100)).date().isoformat()
    custom = figures(page(logged_in, f"{base}?period=custom&start={old}&end={old}"))
    assert custom["USD"]["gross"] == "100.00 USD"
    assert custom["USD"]["buyers"] == "1"
    assert "EUR" not in custom
    assert figures(page(logged_in, base + "?period=all&store=enderpay")) == {
        "USD": {"gross": "100.00 USD", "refunded": "0.00 USD", "charged_back": "0.00 USD",
                "net": "100.00 USD", "purchases": "1", "buyers": "1",
                "per_buyer": "100.00 USD", "unmatched": "100.0%"}}


def test_bad_period_falls_back_to_default(logged_in, server, sales):
    html = page(logged_in, f"/networks/{server.network_id}/revenue?period=999&start=x")
    assert figures(html)["USD"]["gross"] == "22.50 USD"


def test_server_view(logged_in, server, sales):
    lobby = figures(page(logged_in, f"/servers/{server.id}/revenue?period=7"))
    assert lobby["EUR"] == {
        "gross": "20.00 EUR", "refunded": "0.00 EUR", "charged_back": "20.00 EUR",
        "net": "0.00 EUR", "purchases": "1", "buyers": "1", "per_buyer": "0.00 EUR",
        "unmatched": "—"}
    assert lobby["USD"]["gross"] == "22.50 USD"
    survival = figures(page(logged_in, f"/servers/{sales.survival}/revenue?period=7"))
    assert list(survival) == ["EUR"] and survival["EUR"]["net"] == "3.00 EUR"


def test_breakdowns(app, logged_in, server, sales):
    with app.app_context():
        revenue_data.ghost_joins(server.id, sales.youtube)
    html = page(logged_in, f"/networks/{server.network_id}/revenue?period=7")
    assert table(html, "creator") == [
        ["No creator code", "4", "23.00 EUR\n12.50 USD", "20.00 EUR\n2.00 USD",
         "3.00 EUR\n10.50 USD"],
        ["Alex", "1", "10.00 USD", "0.00 USD", "10.00 USD"],
    ]
    assert table(html, "store") == [
        ["tebex", "3", "3.00 EUR\n15.00 USD", "0.00 EUR\n2.00 USD", "3.00 EUR\n13.00 USD"],
        ["custom", "1", "7.50 USD", "0.00 USD", "7.50 USD"],
        ["craftingstore", "1", "20.00 EUR", "20.00 EUR", "0.00 EUR"],
    ]
    # No USD: then by EUR.
    assert table(html, "item") == [
        ["Key", "2", "3", "12.50 USD", "12.50 USD"],
        ["VIP", "1", "1", "10.00 USD", "10.00 USD"],
        ["Rank", "1", "1", "20.00 EUR", "20.00 EUR"],
        ["Coins", "1", "1", "3.00 EUR", "3.00 EUR"],
    ]
    assert table(html, "server") == [
        ["Lobby", "4", "20.00 EUR\n22.50 USD", "20.00 EUR\n2.00 USD", "0.00 EUR\n20.50 USD"],
        ["Survival", "1", "3.00 EUR", "0.00 EUR", "3.00 EUR"],
    ]
    by_name = page(logged_in, f"/networks/{server.network_id}/revenue?period=7&sort_store=label")
    assert [row[0] for row in table(by_name, "store")] == ["craftingstore", "custom", "tebex"]
    by_purchases = page(logged_in, f"/networks/{server.network_id}/revenue?period=7"
                                   "&sort_server=purchases")
    assert [row[0] for row in table(by_purchases, "server")] == ["Survival", "Lobby"]
    # One chart, of the currency with the most purchases (USD), and links to the others'.
    assert html.count("<svg") == 1 and "<rect" in html and "style=" not in html.split("<main")[1]
    assert 'aria-label="Net revenue per day in USD"' in html and "chart=EUR" in html
    eur = page(logged_in, f"/networks/{server.network_id}/revenue?period=7&chart=EUR")
    assert eur.count("<svg") == 1 and 'aria-label="Net revenue per day in EUR"' in eur
    server_page = page(logged_in, f"/servers/{server.id}/revenue?period=7")
    assert table(server_page, "server") == []


def test_converted_total(app, logged_in, server, sales):
    url = f"/networks/{server.network_id}/revenue/settings"
    before = page(logged_in, f"/networks/{server.network_id}/revenue?period=7")
    assert "takes money in 2 currencies" in before and "Choose a display currency" in before
    assert "<details" not in before
    assert logged_in.post(url + "/display", data={"display_currency": "usd"}).status_code == 302
    html = page(logged_in, f"/networks/{server.network_id}/revenue?period=7")
    assert 'data-figure="converted">20.50 USD<' in html and "(no exchange rate): EUR" in html
    assert 'aria-label="Net revenue per day in USD"' in html  # no EUR rate: no converted series
    # It leads; the figures per currency open on demand.
    assert html.index('data-figure="converted"') < html.index("<details") < html.index(
        'data-currency="EUR"')
    assert "Choose a display currency" not in html
    bad = logged_in.post(url + "/rates", data={"currency": "EUR", "rate": "1.0000000001"})
    assert bad.status_code == 400 and b"9 decimal places" in bad.data
    saved = logged_in.post(url + "/rates", data={"currency": "eur", "rate": "1.1"})
    assert saved.status_code == 302
    assert "1.1" in page(logged_in, url)
    html = page(logged_in, f"/networks/{server.network_id}/revenue?period=7")
    assert 'data-figure="converted">23.80 USD<' in html  # 20.50 + 3.00 * 1.1
    # The chart leads with every currency converted (all of yesterday), each one on demand.
    assert "(every currency in USD)," in html and "highest 23.80 USD" in html
    assert html.count("<svg") == 1 and "chart=EUR" in html and "chart=USD" in html
    # Breakdowns gain the converted net and sort by it: tebex 3.00 * 1.1 + 13.00 USD.
    assert [[row[0], row[-1]] for row in table(html, "store")] == [
        ["tebex", "16.30 USD"], ["custom", "7.50 USD"], ["craftingstore", "0.00 USD"]]


def test_convert_is_exact():
    from decimal import Decimal

    from ledger.exchange_rates import convert, rate_nanos

    assert convert(1, "EUR", rate_nanos(Decimal("0.5")), "USD") == 0  # 0.5 cent: half-even
    assert convert(3, "EUR", rate_nanos(Decimal("0.5")), "USD") == 2
    assert convert(1000, "JPY", rate_nanos(Decimal("0.006690")), "USD") == 669
    assert convert(1234, "USD", rate_nanos(Decimal("1")), "KWD") == 12340


def test_other_networks_are_invisible(app, logged_in, server, sales, other_network):
    with app.app_context():
        foreign = db.session.get(Server, other_network.server_id)
        p, _ = record_purchase(foreign, "tebex", event(
            "secret-tx", "Intruder", 99900, "USD", [("Secret", 1, 99900)],
            datetime.now(timezone.utc) - timedelta(days=1)))
        db.session.commit()
        foreign_purchase = p.id
    html = page(logged_in, f"/networks/{server.network_id}/revenue?period=all")
    assert "Intruder" not in html and "999.00" not in html
    assert figures(html)["USD"]["gross"] == "122.50 USD"
    listing = page(logged_in, f"/networks/{server.network_id}/revenue/purchases?period=all")
    assert "Intruder" not in listing
    exported = page(logged_in, f"/networks/{server.network_id}/revenue/purchases.csv?period=all")
    assert "Intruder" not in exported and "secret-tx" not in exported
    for url in (f"/networks/{other_network.id}/revenue",
                f"/servers/{other_network.server_id}/revenue",
                f"/networks/{other_network.id}/revenue/purchases",
                f"/networks/{other_network.id}/revenue/purchases.csv",
                f"/servers/{other_network.server_id}/revenue/purchases.csv",
                f"/purchases/{foreign_purchase}", f"/networks/{other_network.id}/revenue/settings"):
        assert logged_in.get(url).status_code == 404, url
    assert logged_in.post(f"/purchases/{foreign_purchase}/reversals",
                          data={"kind": "refund", "reason": "x"}).status_code == 404


def test_pages_need_login(client, server):
    response = client.get(f"/networks/{server.network_id}/revenue")
    assert response.status_code == 302 and "/login" in response.location


def test_nav_links_to_revenue(logged_in, server):
    html = page(logged_in, f"/networks/{server.network_id}")
    assert f'href="/networks/{server.network_id}/revenue"' in html


@pytest.fixture
def spread(app, server):
    """Purchases on every 3rd day over ~5 months, two stores, some refunded."""
    from ledger.corrections import apply_reversal

    with app.app_context():
        srv = db.session.get(Server, server.id)
        first = datetime(2024, 1, 30, 12, tzinfo=timezone.utc)
        for i in range(50):
            p, _ = record_purchase(srv, ["tebex", "custom"][i % 2], event(
                f"s{i}", f"buyer{i % 7}", 100 + i, ["USD", "EUR"][i % 3 == 0], [("X", 1, 100 + i)],
                first + timedelta(days=3 * i)))
            if i % 4 == 0:
                apply_reversal(p, "refund", 50)
        db.session.commit()
    return server


def _expected(app, scope):
    from models import Purchase

    totals = {}
    with app.app_context():
        for p in db.session.query(Purchase).filter_by(network_id=scope.network_id):
            day = p.purchased_at.date()
            if ((scope.start and day < scope.start) or (scope.end and day > scope.end)
                    or (scope.store and p.store != scope.store)):
                continue
            t = totals.setdefault(p.currency, [0, 0, 0, set()])
            t[0] += 1
            t[1] += p.amount_minor
            t[2] += p.net_minor
            t[3].add(p.username_key)
    return {c: (n, gross, net, len(buyers)) for c, (n, gross, net, buyers) in totals.items()}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.one_of(st.none(), st.dates(date(2024, 1, 20), date(2024, 7, 1))),
       length=st.one_of(st.none(), st.integers(0, 120)), store=st.sampled_from([None, "tebex"]))
# Always tried: a whole month (February) plus edge days, the last day (3 March) with a purchase.
@example(start=date(2024, 2, 1), length=31, store=None)
@example(start=date(2024, 1, 30), length=33, store=None)
def test_any_period_matches_the_purchases(app, spread, start, length, store):
    """Whole months from month rows plus edge days from day rows add up exactly."""
    from ledger import revenue

    end = start + timedelta(days=length) if start and length is not None else None
    scope = revenue.Scope(spread.network_id, None, start, end, store)
    with app.app_context():
        got = {t.currency: (t.purchases, t.gross, t.net, t.buyers)
               for t in revenue.headline(scope)}
    assert got == _expected(app, scope)


def test_members_see_settings_but_only_the_owner_changes_them(app, client, auth, server):
    from ledger import accounts
    from models import Network

    with app.app_context():
        accounts.create_user("member@example.com", "member password long")
        accounts.add_member(db.session.get(Network, server.network_id), "member@example.com")
        db.session.commit()
    auth.login("member@example.com", "member password long")
    url = f"/networks/{server.network_id}/revenue/settings"
    assert client.get(url).status_code == 200
    assert client.post(url + "/display", data={"display_currency": "EUR"}).status_code == 403
    assert client.post(url + "/rates", data={"currency": "EUR", "rate": "1"}).status_code == 403


def test_only_the_owner_deletes_an_exchange_rate(app, client, auth, server):
    from decimal import Decimal

    from ledger import accounts, exchange_rates
    from models import Network

    with app.app_context():
        accounts.create_user("member@example.com", "member password long")
        accounts.add_member(db.session.get(Network, server.network_id), "member@example.com")
        exchange_rates.set_rate(server.network_id, "EUR", Decimal("1.1"))
        db.session.commit()
    url = f"/networks/{server.network_id}/revenue/settings/rates/EUR/delete"
    auth.login("member@example.com", "member password long")
    assert client.post(url).status_code == 403
    with app.app_context():
        assert list(exchange_rates.rates(server.network_id)) == ["EUR"]
    auth.logout()
    auth.login()
    assert client.post(url).status_code == 302
    with app.app_context():
        assert exchange_rates.rates(server.network_id) == {}


@pytest.mark.parametrize("numerator, denominator, rounded", [
    (5, 2, 3), (-5, 2, -3), (7, 2, 4), (1, 2, 1), (-1, 2, -1), (4, 3, 1), (5, 3, 2),
    (-4, 3, -1), (-5, 3, -2), (1, 3, 0), (0, 7, 0), (1001, 1000, 1), (1499, 1000, 1)])
def test_divide_rounded_rounds_half_away_from_zero(numerator, denominator, rounded):
    from ledger.revenue import divide_rounded

    assert divide_rounded(numerator, denominator) == rounded


def test_per_buyer_and_unmatched_share_round_half_away_from_zero():
    from ledger.revenue import Totals

    assert Totals("USD", purchases=2, gross=1001, buyers=2).per_buyer == 501  # 5.005 -> 5.01
    assert Totals("USD", purchases=2, gross=-1001, buyers=2).per_buyer == -501
    assert Totals("USD", purchases=3, gross=1000, refunded=1, unmatched_net=333).unmatched_permille \
        == 333  # 333/999 = 33.3 %
    assert Totals("USD", purchases=2, gross=2000, unmatched_net=1).unmatched_permille == 1  # 0.05 %


def test_unmatched_share_when_net_revenue_is_negative():
    """An unmatched EnderPay chargeback alone (a standalone negative purchase) makes a period's
    net negative; all of it is Unmatched, which is 100 %, and half of it 50 %."""
    from ledger.revenue import Totals, divide_rounded

    assert Totals("EUR", purchases=1, gross=-10000, unmatched_net=-10000).unmatched_permille == 1000
    assert Totals("EUR", purchases=2, gross=-3000, unmatched_net=-1500).unmatched_permille == 500
    assert [divide_rounded(5, -2), divide_rounded(-5, -2), divide_rounded(0, -5)] == [-3, 3, 0]
