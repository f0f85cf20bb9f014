"""Creators' commission and monthly statements, against figures worked out by hand.

Alex (code ALEX) earns 10 % from 2026-09-01 and 15 % from 2026-09-16. With the code:
    A 2026-09-10  100.00 USD  at 10 %  -> 10.00
    B 2026-09-20   33.33 USD  at 15 %  ->  4.9995
    C 2026-09-25   20.00 EUR  at 15 %  ->  3.00
    D 2026-10-05   50.00 USD  at 15 %  ->  7.50
and one purchase without it (70.00 USD, 2026-09-12). September owes 14.9995 -> 15.00 USD
(rounded once for the month) and 3.00 EUR; October 7.50 USD. "Today" is 2026-11-15.
"""
import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from ledger import campaigns, statements
from ledger.corrections import apply_reversal
from ledger.purchases import record_purchase
from models import Creator, Network, Purchase, Server
from tests.revenue_data import event

TODAY = date(2026, 11, 15)
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def alex(app, server):
    with app.app_context():
        network = db.session.get(Network, server.network_id)
        creator = campaigns.create_creator(network, "Alex", "ALEX")
        statements.set_rate(creator, Decimal(10), SEP, None)
        statements.set_rate(creator, Decimal(15), date(2026, 9, 16), None)
        srv = db.session.get(Server, server.id)
        for tx, amount, currency, day, coupon in [
                ("A", 10000, "USD", date(2026, 9, 10), "alex"),
                ("B", 3333, "USD", date(2026, 9, 20), "ALEX"),
                ("C", 2000, "EUR", date(2026, 9, 25), "Alex"),
                ("D", 5000, "USD", date(2026, 10, 5), "alex"),
                ("E", 7000, "USD", date(2026, 9, 12), None)]:
            when = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
            record_purchase(srv, "tebex", event(tx, "Steve", amount, currency,
                                                [("VIP", 1, amount)], when, coupon=coupon))
        db.session.commit()
        return creator.id


def figures(app, creator_id):
    """{month: {currency: (net, commission, [(month, adjustment)], owed)}}, and who paid."""
    with app.app_context():
        found = statements.statements(db.session.get(Creator, creator_id), TODAY)
        return {s.month: {line.currency: (line.net, line.earned, line.adjustments, line.total)
                          for line in s.lines} for s in found}


def pay(app, creator_id, month, note=None):
    with app.app_context():
        statements.mark_paid(db.session.get(Creator, creator_id), month, None, note, TODAY)
        db.session.commit()


def reverse(app, transaction_id, kind="refund"):
    with app.app_context():
        purchase = db.session.scalar(select(Purchase).filter_by(transaction_id=transaction_id))
        apply_reversal(purchase, kind, None, reason="test")
        db.session.commit()


def test_commission_follows_the_rate_in_force_each_day_rounded_once_a_month(app, alex):
    assert figures(app, alex) == {
        NOV: {},
        OCT: {"USD": (5000, 750, [], 750)},
        SEP: {"USD": (13333, 1500, [], 1500), "EUR": (2000, 300, [], 300)},
    }


def test_refunds_after_payment_are_adjustments_on_the_next_statement(app, alex):
    pay(app, alex, SEP, "PayPal")
    reverse(app, "B")  # 33.33 USD of September's, after September was paid
    after = figures(app, alex)
    assert after[SEP] == {"USD": (10000, 1500, [], 1500), "EUR": (2000, 300, [], 300)}  # as paid
    assert after[OCT] == {"USD": (5000, 750, [(SEP, -500)], 250)}  # 10.00 is owed for Sep now
    pay(app, alex, OCT)
    reverse(app, "C", "chargeback")  # September again: October is paid, so November carries it
    after = figures(app, alex)
    assert after[OCT] == {"USD": (5000, 750, [(SEP, -500)], 250)}
    assert after[NOV] == {"EUR": (0, 0, [(SEP, -300)], -300)}
    # What was paid, over all statements, is what is owed for each month now.
    with app.app_context():
        net, owed = statements.month_figures(db.session.get(Creator, alex))
    paid_and_due = sum(line[3] for month in after.values() for line in month.values())
    assert owed == {(SEP, "USD"): 1000, (SEP, "EUR"): 0, (OCT, "USD"): 750}
    assert paid_and_due == 1500 + 300 + 250 - 300 == sum(owed.values())


def test_a_rate_changed_for_a_paid_month_is_settled_on_the_next_statement(app, alex):
    pay(app, alex, SEP)
    with app.app_context():
        statements.set_rate(db.session.get(Creator, alex), Decimal("12.5"), SEP, None)
        db.session.commit()
    # September now: 100.00 x 12.5 % + 33.33 x 15 % = 12.50 + 4.9995 = 17.4995 -> 17.50 USD
    assert figures(app, alex)[OCT]["USD"] == (5000, 750, [(SEP, 250)], 1000)


def test_a_month_is_paid_once_and_only_after_it_ends(app, alex):
    pay(app, alex, SEP)
    for month, message in [(SEP, "already marked paid"), (NOV, "has ended"),
                           (date(2026, 12, 1), "has ended")]:
        with app.app_context(), pytest.raises(statements.StatementError, match=message):
            statements.mark_paid(db.session.get(Creator, alex), month, None, None, TODAY)


@pytest.mark.parametrize("rate", ["-1", "100.01", "12.345"])
def test_a_rate_is_a_percentage_with_two_decimals(app, alex, rate):
    with app.app_context(), pytest.raises(statements.StatementError):
        statements.set_rate(db.session.get(Creator, alex), Decimal(rate), SEP, None)


def test_the_page_the_csv_and_paying_from_the_page(app, logged_in, server, alex):
    base = f"/networks/{server.network_id}/creators/{alex}"
    page = logged_in.get(base).text
    assert "10 % from 2026-09-01" in page and "15 % from 2026-09-16" in page
    assert "15.00 USD" in page and "133.33 USD" in page and "Mark paid" in page
    assert f'href="{base}"' in logged_in.get(f"/networks/{server.network_id}/creators/").text
    done = logged_in.post(f"{base}/statements/2026-09/paid", data={"note": "PayPal #123"},
                          follow_redirects=True)
    assert "September 2026 is marked paid" in done.text and "PayPal #123" in done.text
    again = logged_in.post(f"{base}/statements/2026-09/paid", follow_redirects=True)
    assert "already marked paid" in again.text
    assert logged_in.post(f"{base}/statements/2026-13/paid").status_code == 404
    rows = list(csv.reader(io.StringIO(logged_in.get(f"{base}/statements.csv").text)))
    assert rows[0] == ["month", "currency", "net", "commission", "adjustments", "owed",
                       "paid_at", "paid_by", "note"]
    by_key = {(r[0], r[1]): r for r in rows[1:]}
    assert by_key[("2026-09", "USD")][2:6] == ["133.33", "15.00", "0.00", "15.00"]
    assert by_key[("2026-09", "USD")][8] == "PayPal #123"
    bad = logged_in.post(f"{base}/rate", data={"rate": "150", "starts_on": "2026-11-01"})
    assert bad.status_code == 400 and "from 0 to 100" in bad.text
    good = logged_in.post(f"{base}/rate", data={"rate": "20", "starts_on": "2026-11-01"},
                          follow_redirects=True)
    assert "20 % from 2026-11-01" in good.text


def test_a_member_sees_the_statements_but_only_owners_pay_or_set_rates(
        app, client, auth, server, alex):
    from ledger import accounts

    with app.app_context():
        accounts.add_member(db.session.get(Network, server.network_id), "m@example.com",
                            "member", "a member's long password")
        db.session.commit()
    auth.login("m@example.com", "a member's long password")
    base = f"/networks/{server.network_id}/creators/{alex}"
    page = client.get(base)
    assert page.status_code == 200 and "15.00 USD" in page.text and "Mark paid" not in page.text
    assert client.post(f"{base}/statements/2026-09/paid").status_code == 403
    assert client.post(f"{base}/rate", data={"rate": "50", "starts_on": "2026-09-01"}
                       ).status_code == 403


def test_the_read_api_gives_the_statements_of_its_own_networks_creators(
        app, client, server, alex, other_network):
    from ledger import api_tokens

    pay(app, alex, SEP, "PayPal")
    reverse(app, "B")
    with app.app_context():
        _, ours = api_tokens.make(server.network_id, "books", None)
        _, theirs = api_tokens.make(other_network.id, "theirs", None)
        db.session.commit()
    url = f"/api/v1/creators/{alex}/statements"
    body = client.get(url, headers={"Authorization": f"Bearer {ours}"}).get_json()
    assert body["creator"] == {"id": alex, "name": "Alex", "code": "ALEX"}
    by_month = {s["month"]: s for s in body["statements"]}
    assert by_month["2026-09"]["note"] == "PayPal" and by_month["2026-09"]["paid_at"]
    [october] = [line for line in by_month["2026-10"]["lines"]]
    assert october == {"currency": "USD", "net": "50.00", "commission": "7.50",
                       "adjustments": [{"month": "2026-09", "amount": "-5.00"}],
                       "owed": "2.50"}
    assert client.get(url, headers={"Authorization": f"Bearer {theirs}"}).status_code == 404
