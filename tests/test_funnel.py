"""The Campaign comparison: every figure against hand-computed values (tests/funnel_data.py)."""
from datetime import date

import pytest

from extensions import db
from ledger import funnel
from ledger.periods import Scope
from tests import funnel_data

TODAY = date(2026, 11, 30)


@pytest.fixture
def funnel_set(app, server):
    with app.app_context():
        return funnel_data.build(server.network_id, server.id)


def figures(scope):
    return {row.name: (row.new_players, row.returning_players, row.buyers, row.net, row.cost)
            for row in funnel.comparison(scope, TODAY)}


def test_all_of_march(app, server, funnel_set):
    with app.app_context():
        rows = {row.name: row for row in funnel.comparison(
            Scope(server.network_id, None, date(2026, 3, 1), date(2026, 3, 31)), TODAY)}
        assert figures(Scope(server.network_id, None, date(2026, 3, 1), date(2026, 3, 31))) == {
            "YouTube": (2, 1, 1, {"USD": 1300}, {"USD": 3000}),
            "TikTok": (2, 0, 1, {"EUR": 400}, {"EUR": 1000, "USD": 500}),
            None: (1, 1, 1, {"EUR": 2000}, {}),  # Ghost's Unmatched 7.00 USD is not organic
        }
        youtube, tiktok, organic = rows["YouTube"], rows["TikTok"], rows[None]
        assert youtube.conversion_permille == 500 and youtube.conversion == 0.5
        assert youtube.per_new_player(youtube.net) == {"USD": 650}
        assert youtube.return_permille == {"USD": 433}  # 13.00 / 30.00
        assert youtube.per_new_player(youtube.cost) == {"USD": 1500}
        assert youtube.per_buyer(youtube.cost) == {"USD": 3000}
        assert tiktok.return_permille == {"EUR": 400, "USD": 0}
        assert organic.conversion_permille == 1000 and organic.return_permille == {}
        assert youtube.joins == 3 and organic.joins == 2


def test_a_period_inside_the_cost_ranges(app, server, funnel_set):
    """2–3 March: two thirds of the ranges, exactly (TikTok's EUR: 3.33 + 3.34). YouTube
    brought Bob then, who has not come back; Steve came back on the 2nd, but he was brought
    on the 1st."""
    with app.app_context():
        assert figures(Scope(server.network_id, None, date(2026, 3, 2), date(2026, 3, 3))) == {
            "YouTube": (1, 0, 0, {"USD": 1300}, {"USD": 2000}),
            "TikTok": (1, 0, 1, {}, {"EUR": 667, "USD": 500}),
            None: (0, 0, 0, {"EUR": 2000}, {}),
        }


def test_one_server(app, server, funnel_set):
    with app.app_context():
        assert figures(Scope(server.network_id, funnel_set.survival)) == {
            "YouTube": (0, 0, 0, {}, {"USD": 3000}),
            "TikTok": (1, 0, 1, {"EUR": 400}, {"EUR": 1000, "USD": 500}),
            None: (0, 0, 0, {}, {}),
        }


def test_open_ended_periods_stop_at_today(app, server, funnel_set):
    """A range that runs past today counts only the days spent so far."""
    with app.app_context():
        got = figures(Scope(server.network_id, None, date(2026, 3, 2)))
        assert got["YouTube"][4] == {"USD": 2000}
        assert figures_on(server, date(2026, 3, 2))["YouTube"][4] == {"USD": 2000}


def figures_on(server, today):
    return {row.name: (row.new_players, row.returning_players, row.buyers, row.net, row.cost)
            for row in funnel.comparison(Scope(server.network_id), today)}


def test_sorting(app, server, funnel_set):
    with app.app_context():
        rows = funnel.comparison(Scope(server.network_id), TODAY)
        by_name, _ = funnel.sort_figures(rows, "name", "USD")
        assert [r.name for r in by_name] == ["TikTok", "YouTube", None]
        by_net, _ = funnel.sort_figures(rows, "-net", "USD")
        assert [r.name for r in by_net] == ["YouTube", "TikTok", None]  # no USD: last
        by_return, _ = funnel.sort_figures(rows, "return", "EUR")
        assert [r.name for r in by_return] == ["TikTok", "YouTube", None]
        _, used = funnel.sort_figures(rows, "-nonsense", "USD")
        assert used == "name"


def test_comparison_page(app, logged_in, server, funnel_set):
    url = f"/networks/{server.network_id}/campaigns/compare"
    html = logged_in.get(url + "?period=custom&start=2026-03-01&end=2026-03-31").get_data(
        as_text=True)
    assert "YouTube" in html and "TikTok" in html and "No campaign" in html
    assert "13.00 USD" in html and "30.00 USD" in html and "0.43×" in html and "50.0%" in html
    assert "6.50 USD" in html  # net per new player
    sorted_html = logged_in.get(url + "?period=all&sort=-new_players").get_data(as_text=True)
    assert 'aria-sort="descending"' in sorted_html
    filtered = logged_in.get(f"{url}?period=all&server={funnel_set.survival}").get_data(
        as_text=True)
    assert "whole Network" in filtered
    assert logged_in.get(url + "?period=custom&start=2026-03-05&end=2026-03-01").status_code \
        == 200  # a bad range is a form error, not a 500


def test_empty_comparison(logged_in, network):
    html = logged_in.get(f"/networks/{network}/campaigns/compare").get_data(as_text=True)
    assert "No joins, revenue or costs in this period yet" in html


def test_campaigns_page_links_to_the_comparison(logged_in, network):
    html = logged_in.get(f"/networks/{network}/campaigns/").get_data(as_text=True)
    assert f"/networks/{network}/campaigns/compare" in html
