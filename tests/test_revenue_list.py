"""The purchase list: filters, keyset pages, HTMX partials, CSV export, the detail page."""
import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

import blueprints.revenue.export
import blueprints.revenue.pages
from extensions import db
from ledger.purchases import record_purchase
from models import Server
from tests.revenue_data import event


def listed(client, url, **headers) -> list[int]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.data[:300]
    return [int(i) for i in re.findall(r'data-purchase="(\d+)"', response.get_data(as_text=True))]


def test_filters(logged_in, server, sales):
    p = sales.p
    base = f"/networks/{server.network_id}/revenue/purchases?period=all"
    assert listed(logged_in, base) == [p[5], p[4], p[3], p[2], p[1], p[6]]
    assert listed(logged_in, base.replace("all", "7")) == [p[5], p[4], p[3], p[2], p[1]]
    assert listed(logged_in, base + "&matched=unmatched") == [p[5], p[4], p[6]]
    assert listed(logged_in, base + "&matched=matched") == [p[3], p[2], p[1]]
    assert listed(logged_in, base + "&store=tebex") == [p[5], p[2], p[1]]
    assert listed(logged_in, base + f"&campaign={sales.youtube}") == [p[3], p[1]]
    assert listed(logged_in, base + "&campaign=0") == [p[5], p[4], p[2], p[6]]
    assert listed(logged_in, base + f"&creator={sales.alex}") == [p[1]]
    assert listed(logged_in, base + "&player=STE") == [p[5], p[3], p[1]]
    assert listed(logged_in, base + "&player=%25") == []  # LIKE wildcards are literal
    old = (datetime.now(timezone.utc) - timedelta(days=100)).date().isoformat()
    assert listed(logged_in, base.replace("all", "custom") + f"&start={old}&end={old}") == [p[6]]
    server_list = f"/servers/{sales.survival}/revenue/purchases?period=all"
    assert listed(logged_in, server_list) == [p[5]]


def test_list_shows_unmatched_badge_and_amounts(logged_in, server, sales):
    html = logged_in.get(f"/networks/{server.network_id}/revenue/purchases?period=7").get_data(
        as_text=True)
    row = re.search(rf'data-purchase="{sales.p[4]}">(.*?)</tr>', html, re.S)[1]
    assert "Unmatched</span> Ghost" in row and "7.50" in row and "custom" in row
    row = re.search(rf'data-purchase="{sales.p[1]}">(.*?)</tr>', html, re.S)[1]
    assert "Steve" in row and "YouTube" in row and "Alex" in row and "1 × VIP" in row


def test_htmx_gets_only_the_table(logged_in, server, sales):
    url = f"/networks/{server.network_id}/revenue/purchases?period=all&store=tebex"
    response = logged_in.get(url, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'data-purchase="' in html
    assert "HX-Request" in response.headers["Vary"]
    full = logged_in.get(url).get_data(as_text=True)
    assert "<html" in full and 'hx-push-url="true"' in full and 'id="purchase-table"' in full
    assert 'method="get"' in full  # works without JS


def _many(app, server, count):
    with app.app_context():
        srv = db.session.get(Server, server.id)
        start = datetime.now(timezone.utc) - timedelta(hours=count)
        ids = []
        for i in range(count):
            # Pairs share a timestamp, so the id breaks ties in the keyset.
            when = start + timedelta(hours=i // 2)
            p, _ = record_purchase(srv, "tebex", event(f"m{i}", f"user{i}", 100, "USD",
                                                       [("Gem", 1, 100)], when))
            ids.append(p.id)
        db.session.commit()
        return list(reversed(ids))  # newest first


def _pages(client, url):
    """Follow "Older" links; returns the ids of each page."""
    pages = []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append([int(i) for i in re.findall(r'data-purchase="(\d+)"', html)])
        older = re.search(r'href="([^"]+)"[^>]*rel="next"', html)
        url = older[1].replace("&amp;", "&") if older else None
    return pages


@pytest.mark.parametrize("count", [0, 3, 7])
def test_keyset_pages(app, logged_in, server, monkeypatch, count):
    monkeypatch.setattr(blueprints.revenue.pages, "PAGE_SIZE", 3)
    ids = _many(app, server, count)
    url = f"/networks/{server.network_id}/revenue/purchases?period=all"
    pages = _pages(logged_in, url)
    expected = [ids[i:i + 3] for i in range(0, len(ids), 3)] or [[]]
    assert pages == expected  # empty; exactly one full page; a short last page
    if count == 0:
        assert "No purchases match" in logged_in.get(url).get_data(as_text=True)


def test_newer_link_goes_back(app, logged_in, server, monkeypatch):
    monkeypatch.setattr(blueprints.revenue.pages, "PAGE_SIZE", 3)
    ids = _many(app, server, 7)
    url = f"/networks/{server.network_id}/revenue/purchases?period=all"
    first = logged_in.get(url).get_data(as_text=True)
    assert 'rel="prev"' not in first
    older = re.search(r'href="([^"]+)"[^>]*rel="next"', first)[1].replace("&amp;", "&")
    second = logged_in.get(older).get_data(as_text=True)
    newer = re.search(r'href="([^"]+)"[^>]*rel="prev"', second)[1].replace("&amp;", "&")
    assert "after=" not in newer
    assert listed(logged_in, newer) == ids[:3]
    assert logged_in.get(url + "&after=garbage").status_code == 400


def _csv(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export(app, logged_in, server, sales):
    rows = _csv(logged_in, f"/networks/{server.network_id}/revenue/purchases.csv?period=7"
                           "&matched=matched")
    assert rows[0] == list(blueprints.revenue.export.CSV_HEADER)
    assert [r[1] for r in rows[1:]] == [str(sales.p[3]), str(sales.p[2]), str(sales.p[1])]
    anna = dict(zip(rows[0], rows[2]))
    assert anna["amount"] == "5.00" and anna["reversed"] == "2.00" and anna["net"] == "3.00"
    assert anna["items"] == "2 x Key" and anna["store"] == "tebex" and anna["matched"] == "yes"
    steve = dict(zip(rows[0], rows[3]))
    assert steve["campaign"] == "YouTube" and steve["creator"] == "Alex"


def test_csv_neutralises_formulas_and_keeps_exact_amounts(app, logged_in, server):
    with app.app_context():
        srv = db.session.get(Server, server.id)
        record_purchase(srv, "custom", event("=cmd|' /C calc'!A0", "@evil", 123456789, "JPY",
                                             [("+SUM(1)", 1, 123456789), ("-2", 1, 0)],
                                             datetime.now(timezone.utc)))
        record_purchase(srv, "custom", event("k1", "kw", 1001, "KWD", [],
                                             datetime.now(timezone.utc)))
        for n, text in enumerate(("+SUM(A1)", "-A1", "\tA1", "\rA1")):
            record_purchase(srv, "custom", event(f"n{n}", text, 100, "EUR", [],
                                                 datetime.now(timezone.utc)))
        db.session.commit()
    rows = _csv(logged_in, f"/servers/{server.id}/revenue/purchases.csv?period=all")
    by_transaction = {r["transaction_id"]: r for r in (dict(zip(rows[0], r)) for r in rows[1:])}
    for n, text in enumerate(("+SUM(A1)", "-A1", "\tA1", "\rA1")):
        assert by_transaction[f"n{n}"]["username"] == "'" + text
    rows = [rows[0]] + [r for r in rows[1:] if not r[4].startswith("n")]
    jpy = dict(zip(rows[0], rows[2]))
    assert jpy["transaction_id"] == "'=cmd|' /C calc'!A0"
    assert jpy["username"] == "'@evil"
    assert jpy["items"] == "1 x +SUM(1); 1 x -2"  # starts with a digit: safe
    assert jpy["amount"] == "123456789"
    assert dict(zip(rows[0], rows[1]))["amount"] == "1.001"


def test_csv_is_streamed(app, logged_in, server, sales):
    response = logged_in.get(f"/networks/{server.network_id}/revenue/purchases.csv")
    assert response.is_streamed


def test_detail_page(logged_in, server, sales):
    html = logged_in.get(f"/purchases/{sales.p[2]}").get_data(as_text=True)
    assert "a***@example.com" in html and "anna@example.com" not in html
    assert "t2" in html and "Key" in html and "partial" in html
    assert 'data-figure="net">3.00 USD<' in html
    assert "none recorded" in html  # no Delivery row


def test_a_purchase_at_midnight_belongs_to_the_day_it_starts(app, server):
    """A range ends before 00:00 of the day after its last day: a purchase at that midnight is
    the next day's, in the list, the CSV rows and the unique buyers of a range that ends."""
    from datetime import date

    from ledger import purchase_list, revenue

    midnight = datetime(2024, 5, 2, tzinfo=timezone.utc)
    with app.app_context():
        srv = db.session.get(Server, server.id)
        record_purchase(srv, "tebex", event("late", "Owl", 500, "USD", [("Key", 1, 500)],
                                            midnight - timedelta(seconds=1)))
        record_purchase(srv, "tebex", event("early", "Lark", 700, "USD", [("Key", 1, 700)],
                                            midnight))
        db.session.commit()

        def names(day):
            f = purchase_list.PurchaseFilter(revenue.Scope(server.network_id, start=day, end=day))
            listed = [p.username for p in purchase_list.purchase_page(f).purchases]
            assert [p.username for p in purchase_list.iter_purchases(f)] == listed
            [totals] = revenue.headline(f.scope)
            return listed, (totals.purchases, totals.gross, totals.buyers)

        assert names(date(2024, 5, 1)) == (["Owl"], (1, 500, 1))
        assert names(date(2024, 5, 2)) == (["Lark"], (1, 700, 1))
