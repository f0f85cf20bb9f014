"""Money: exact minor units, one amount check, and totals computed in floating point."""
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import PayloadError
from money import exponent, format_amount, from_minor, parse_amount, to_minor
from providers import custom


@pytest.mark.parametrize("total, currency, minor", [
    (0.1 + 0.2, "USD", 30),  # 0.30000000000000004
    (9.99 * 3, "USD", 2997),  # 29.97 (29.969999999999995 in binary)
    (1.1 + 2.2, "EUR", 330),  # 3.3000000000000003
    (19.99 + 0.01 - 5.0, "GBP", 1500),
    (0.7 + 0.1, "KWD", 800),  # 0.7999999999999999 dinars, three decimals
    (999999.99 * 1, "USD", 99999999),
])
def test_float_artefacts_are_taken_as_the_amount_they_stand_for(total, currency, minor):
    parsed = json.loads(json.dumps(total), parse_float=Decimal)
    assert parse_amount(parsed, currency, "amount") == minor


@pytest.mark.parametrize("value, currency", [("9.999", "USD"), ("0.001", "EUR"), ("1.5", "JPY"),
                                             ("0.0005", "KWD"), ("0.3000001", "USD")])
def test_real_extra_precision_is_still_refused(value, currency):
    with pytest.raises(PayloadError, match="more decimal places"):
        parse_amount(Decimal(value), currency, "amount")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=12),
       st.sampled_from(["USD", "JPY", "KWD"]))
def test_a_total_summed_in_floats_lands_on_the_exact_minor_units(prices, currency):
    """What a JavaScript checkout sends: the sum of item prices, added as floats."""
    scale = 10 ** exponent(currency)
    total = 0.0
    for price in prices:
        total += price / scale
    if sum(prices) > 10 ** 6 * scale:  # above the limit: refused, not rounded
        with pytest.raises(PayloadError):
            parse_amount(json.loads(json.dumps(total), parse_float=Decimal), currency, "amount")
        return
    assert parse_amount(json.loads(json.dumps(total), parse_float=Decimal), currency,
                        "amount") == sum(prices)


def test_the_custom_webhook_stores_a_float_total_exactly(app, client, server):
    from extensions import db
    from models import Purchase
    from tests.store_helpers import connect

    secret = connect(app, server.id, "custom")
    body = json.dumps({"transaction_id": "js-1", "username": "Steve", "amount": 0.1 + 0.2,
                       "items": [{"name": "Key", "price": 0.1 + 0.2}]}).encode()
    assert b"0.30000000000000004" in body
    response = client.post(f"/api/webhooks/custom?projectId={server.project_id}", data=body,
                           headers={"X-Signature": custom.sign(body, secret)})
    assert response.status_code == 200, response.json
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert purchase.amount_minor == 30 and purchase.items[0].total_minor == 30
    refused = json.dumps({"transaction_id": "js-2", "username": "Steve",
                          "amount": 9.999}).encode()
    response = client.post(f"/api/webhooks/custom?projectId={server.project_id}", data=refused,
                           headers={"X-Signature": custom.sign(refused, secret)})
    assert response.status_code == 400
    assert response.json["error"] == "amount has more decimal places than USD allows"


def test_minor_units_round_trip_as_text():
    assert from_minor(12345, "USD") == "123.45" and from_minor(-5, "JPY") == "-5"
    assert from_minor(1001, "KWD") == "1.001"
    assert to_minor(Decimal("123.45"), "USD", "x") == 12345
    assert format_amount(123456789, "USD") == "1,234,567.89 USD"
    assert format_amount(-50, "EUR") == "-0.50 EUR" and format_amount(None, "EUR") == ""


@pytest.mark.parametrize("value, message", [
    (Decimal("-1"), "must not be negative"), (Decimal("1000000.01"), "above the 1000000 limit"),
    (Decimal("NaN"), "finite"), (True, "must be a number"), ("9.99", "must be a number")])
def test_the_one_amount_check_refuses(value, message):
    with pytest.raises(PayloadError, match=message):
        parse_amount(value, "USD", "amount")


def test_text_amounts_for_forms_and_template_stores():
    assert parse_amount(" 9.99 ", "USD", "amount", text=True) == 999
    with pytest.raises(PayloadError, match="not a number"):
        parse_amount("nine", "USD", "amount", text=True)
    with pytest.raises(PayloadError, match="out of range|above"):
        parse_amount("1e999999999", "USD", "amount", text=True)
