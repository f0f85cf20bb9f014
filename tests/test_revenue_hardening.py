"""Hostile input on the revenue pages: 4xx or a form error, never a 500."""
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from ledger.purchase_list import decode_cursor
from models import Adjustment, ExchangeRate


def _get(client, url):
    response = client.get(url)
    response.get_data()  # a streamed body (CSV) fails only when read
    return response


# --- cursors ------------------------------------------------------------------------------

BAD_CURSORS = ["99999999999999999999.1", "-99999999999999999999.1", "1.99999999999999999999999",
               "1.-99999999999999999999999", f"1.{2 ** 63}", "1.-1", "253402300800000000.1",
               "1.", ".1", "1.2.3", "x.1", "1e5.1", "1 .1", "1.1\x00"]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_decode_cursor_rejects_with_value_error(cursor):
    with pytest.raises(ValueError):
        decode_cursor(cursor)


def test_bad_cursors_are_400(logged_in, server, sales):
    base = f"/networks/{server.network_id}/revenue/purchases?period=all"
    for cursor in BAD_CURSORS:
        for arg in ("after", "before"):
            response = _get(logged_in, f"{base}&{arg}={quote(cursor)}")
            assert response.status_code == 400, (arg, cursor)
    assert _get(logged_in, f"{base}&after=1.{2 ** 63 - 1}").status_code == 200


# --- far dates ----------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["end=9999-12-31", "start=9999-12-31", "start=0001-01-01",
                                   "start=0001-01-01&end=9999-12-31", "end=0001-01-01",
                                   "start=2101-01-01"])
@pytest.mark.parametrize("path", ["revenue", "revenue/purchases", "revenue/purchases.csv"])
def test_far_dates_are_a_form_error(logged_in, server, sales, path, query):
    for target in (f"/networks/{server.network_id}", f"/servers/{server.id}"):
        response = _get(logged_in, f"{target}/{path}?period=custom&{query}")
        assert response.status_code == 200, response.data[:300]
        if not path.endswith(".csv"):
            assert "between 2000-01-01 and 2100-12-31" in response.get_data(as_text=True)


def test_dates_at_the_bounds_work(logged_in, server, sales):
    for path in ("revenue", "revenue/purchases", "revenue/purchases.csv"):
        url = f"/networks/{server.network_id}/{path}?period=custom&start=2000-01-01&end=2100-12-31"
        response = _get(logged_in, url)
        assert response.status_code == 200
        assert "between 2000-01-01" not in response.get_data(as_text=True)


# --- links built from the query string ----------------------------------------------------

def _links(html):
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', html)]


@pytest.mark.parametrize("extra", ["network_id=2", "server_id=2", "endpoint=x", "_anchor=evil",
                                   "_external=1", "_scheme=javascript", "_method=POST",
                                   "values=1", "purchase_id=3"])
def test_unknown_args_do_not_break_or_alter_links(logged_in, server, sales, monkeypatch, extra):
    import blueprints.revenue.pages

    monkeypatch.setattr(blueprints.revenue.pages, "PAGE_SIZE", 2)  # so there is an "Older" link
    for target in (f"/networks/{server.network_id}", f"/servers/{server.id}"):
        for path in ("revenue", "revenue/purchases"):
            url = f"{target}/{path}?period=all&{extra}"
            response = _get(logged_in, url)
            assert response.status_code == 200, (url, response.data[:300])
            links = [link for link in _links(response.get_data(as_text=True))
                     if "sort_" in link or "after=" in link or ".csv" in link]
            assert links, url
            for link in links:
                parts = urlsplit(link)
                assert not parts.scheme and not parts.netloc and not parts.fragment, link
                assert parts.path.startswith(target + "/revenue"), link
                assert set(parse_qs(parts.query)) <= {
                    "period", "start", "end", "store", "matched", "campaign", "creator",
                    "player", "after", "before", "sort_campaign", "sort_creator",
                    "sort_store", "sort_item", "sort_server"}, link


def test_links_keep_the_filters(logged_in, server, sales, monkeypatch):
    import blueprints.revenue.pages

    monkeypatch.setattr(blueprints.revenue.pages, "PAGE_SIZE", 2)
    url = (f"/networks/{server.network_id}/revenue/purchases?period=all&player=a%26b+c"
           "&store=tebex&after=")
    html = _get(logged_in, url).get_data(as_text=True)
    csv_link = next(link for link in _links(html) if ".csv" in link)
    assert parse_qs(urlsplit(csv_link).query) == {"period": ["all"], "player": ["a&b c"],
                                                  "store": ["tebex"]}


# --- amounts ------------------------------------------------------------------------------

@pytest.mark.parametrize("amount", ["1e999999999", "-1e999999999", "1e999990", "9" * 20,
                                    "1e-999999999", "1e99999999999999999"])
def test_hostile_refund_amounts_are_a_form_error(app, logged_in, server, sales, amount):
    response = logged_in.post(f"/purchases/{sales.p[1]}/reversals",
                              data={"kind": "refund", "amount": amount, "reason": "x"})
    assert response.status_code == 400
    assert b'class="error"' in response.data
    with app.app_context():
        assert db.session.scalars(select(Adjustment).filter_by(purchase_id=sales.p[1],
                                                               kind="refund")).all() == []


@pytest.mark.parametrize("rate", ["1e999999", "1e999999999", "-1e999999", "1e20",
                                  "1e99999999999999999", "1e-999999"])
def test_hostile_exchange_rates_are_a_form_error(app, logged_in, server, rate):
    url = f"/networks/{server.network_id}/revenue/settings/rates"
    response = logged_in.post(url, data={"currency": "EUR", "rate": rate})
    assert response.status_code == 400
    assert b'class="error"' in response.data
    with app.app_context():
        assert db.session.scalars(select(ExchangeRate)).all() == []


def test_largest_rate_is_accepted(app, logged_in, server):
    url = f"/networks/{server.network_id}/revenue/settings/rates"
    assert logged_in.post(url, data={"currency": "EUR", "rate": "1000000000"}).status_code == 302


# --- the refund form is idempotent --------------------------------------------------------

def _nonce(html):
    return re.search(r'name="nonce"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="nonce"',
                     html).group(1, 2)


def test_double_submit_records_one_refund(app, logged_in, server, sales):
    url = f"/purchases/{sales.p[1]}"
    html = logged_in.get(url).get_data(as_text=True)
    nonce = next(n for n in _nonce(html) if n)
    assert nonce != next(n for n in _nonce(logged_in.get(url).get_data(as_text=True)) if n)
    form = {"kind": "refund", "amount": "1.00", "reason": "asked", "nonce": nonce}
    first = logged_in.post(url + "/reversals", data=form)
    assert first.status_code == 302
    again = logged_in.post(url + "/reversals", data=form, follow_redirects=True)
    assert again.status_code == 200
    assert "already recorded" in again.get_data(as_text=True)
    with app.app_context():
        refunds = db.session.scalars(select(Adjustment).filter_by(purchase_id=sales.p[1],
                                                                  kind="refund")).all()
        assert [a.amount_minor for a in refunds] == [100]
    # a fresh form (new nonce) records another refund
    nonce = next(n for n in _nonce(logged_in.get(url).get_data(as_text=True)) if n)
    assert logged_in.post(url + "/reversals", data={**form, "nonce": nonce}).status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(Adjustment).filter_by(
            purchase_id=sales.p[1], kind="refund")).all()) == 2


def test_nonce_must_be_a_uuid(app, logged_in, server, sales):
    """A member cannot pick a store's refund id as the nonce and so hide a later store refund."""
    response = logged_in.post(f"/purchases/{sales.p[1]}/reversals",
                              data={"kind": "refund", "amount": "1", "reason": "x",
                                    "nonce": "re_1"})
    assert response.status_code == 400


# --- fuzz: random query strings never give a 5xx -------------------------------------------

KEYS = ["period", "start", "end", "store", "matched", "campaign", "creator", "player", "after",
        "before", "sort_campaign", "sort_item", "sort_server", "network_id", "server_id",
        "endpoint", "_anchor", "_external", "_scheme", "_method", "values"]
VALUES = st.one_of(
    st.sampled_from(["custom", "all", "7", "30", "9999-12-31", "0001-01-01", "2000-01-01",
                     "2100-12-31", "1970-01-01", "99999999999999999999.1",
                     "1.99999999999999999999999", "-1.-1", "1.1", "0", "-1", "1e999999",
                     "tebex", "matched", "unmatched", "-net", "label", "", "%", "\\", "\x00"]),
    st.from_regex(r"-?[0-9]{1,22}\.-?[0-9]{1,22}", fullmatch=True),
    st.dates().map(lambda d: d.isoformat()),
    st.text(max_size=30),
)
QUERIES = st.lists(st.tuples(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), VALUES),
                   max_size=8)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=QUERIES, path=st.sampled_from(["revenue", "revenue/purchases",
                                            "revenue/purchases.csv"]),
       on_server=st.booleans(), htmx=st.booleans())
def test_random_query_strings_never_give_a_5xx(logged_in, server, sales, query, path,
                                               on_server, htmx):
    target = f"/servers/{server.id}" if on_server else f"/networks/{server.network_id}"
    response = logged_in.get(f"{target}/{path}", query_string=query,
                             headers={"HX-Request": "true"} if htmx else {})
    response.get_data()
    assert response.status_code < 500


def test_period_starting_after_today_has_no_chart(app, logged_in, server):
    from datetime import datetime, timezone

    from ledger.purchases import record_purchase
    from models import Server
    from tests.revenue_data import event

    with app.app_context():
        when = datetime(2099, 6, 1, 12, tzinfo=timezone.utc)  # a store's clock gone wrong
        record_purchase(db.session.get(Server, server.id), "tebex",
                        event("future", "Steve", 500, "USD", [("VIP", 1, 500)], when))
        db.session.commit()
    response = _get(logged_in, f"/networks/{server.network_id}/revenue?period=custom"
                               "&start=2099-06-01")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["revenue/purchases", "revenue/purchases.csv"])
def test_nul_in_player_name(logged_in, server, sales, path):
    """PostgreSQL refuses NUL in strings; it is a form error, not a 500."""
    response = _get(logged_in, f"/networks/{server.network_id}/{path}?period=all&player=a%00")
    assert response.status_code == 200


@pytest.mark.parametrize("action, form", [
    ("reversals", {"kind": "refund", "amount": "1", "reason": "a\x00b"}),
    ("link", {"username": "a\x00b", "reason": "x"}),
    ("link", {"username": "Steve", "reason": "a\x00b"}),
    ("unlink", {"reason": "a\x00b"})])
def test_nul_in_correction_forms(logged_in, server, sales, action, form):
    response = logged_in.post(f"/purchases/{sales.p[6]}/{action}", data=form)
    assert response.status_code in (302, 400)
