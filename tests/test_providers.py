"""The store modules on their own: bytes and headers in, events or typed errors out (no app)."""
import hashlib
import hmac
import json
import shutil
import subprocess
from datetime import datetime, timezone

import pytest

import providers
from events import PayloadError, SignatureError
from providers import craftingstore, custom

NOW = datetime(2026, 3, 27, 15, 0, tzinfo=timezone.utc)

# The seed's cURL example, signed with its placeholder secret; expected value computed once with
#   printf "%s" "$BODY" | shasum -a 256 | cut -d " " -f1 | tr -d '\n' | openssl dgst -sha256 -hmac "$SECRET"
SEED_BODY = b'{"transaction_id":"order-123","username":"PlayerName","amount":9.99,"currency":"USD"}'
SEED_SECRET = "whsec_your_secret_here"
SEED_BODY_SHA256 = "15a1d44f61b9341308c6b4cf5b29eb1e7bf731918b00c447dab4bdff337fd874"
SEED_SIGNATURE = "e8b22c631edcc7e2104081b41f795359f079b39290d98fe3c28fd0a59639f445"

# A filled-in CraftingStore template with two placeholders left unsubstituted, signed with
#   printf "%s" "$BODY" | openssl dgst -sha256 -hmac cs_secret
CS_BODY = (b'{"transaction_id":"cs-1","in_game_name":"Steve","uuid":"{uuid}","price":"4.50",'
           b'"payment_name":"VIP","email":"","timestamp":"1711540800","gateway":"paypal",'
           b'"coupon":"{coupon}"}')
CS_SECRET = "cs_secret"
CS_SIGNATURE = "ecc9f3294342eb2033dc7d7a908145a7b7c83b190a5325922201f49ac01d93a3"


def test_registry_knows_both_stores():
    assert providers.get("custom") is custom
    assert providers.get("craftingstore") is craftingstore
    assert providers.get("nope") is None


# ---- Custom: HMAC-SHA256(key=secret, msg=hex(SHA-256(raw body))) ----

def test_custom_known_vector():
    assert hashlib.sha256(SEED_BODY).hexdigest() == SEED_BODY_SHA256
    assert custom.sign(SEED_BODY, SEED_SECRET) == SEED_SIGNATURE
    custom.verify(SEED_BODY, {"X-Signature": SEED_SIGNATURE}, SEED_SECRET, {})
    custom.verify(SEED_BODY, {"X-Signature": SEED_SIGNATURE.upper()}, SEED_SECRET, {})


def test_custom_signature_matches_an_independent_computation():
    body = json.dumps({"transaction_id": "t-ü", "username": "Alex", "amount": 1}).encode()
    body_hash = hashlib.sha256(body).hexdigest().encode("ascii")
    expected = hmac.new(b"s3cr3t", body_hash, hashlib.sha256).hexdigest()
    assert custom.sign(body, "s3cr3t") == expected


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed")
def test_custom_signature_matches_openssl():
    body = b'{"transaction_id":"x","username":"Alex","amount":0.5}'
    body_hash = hashlib.sha256(body).hexdigest()
    out = subprocess.run(["openssl", "dgst", "-sha256", "-hmac", "k3y"], input=body_hash.encode(),
                         capture_output=True, check=True).stdout.decode()
    assert custom.sign(body, "k3y") == out.split()[-1]


@pytest.mark.parametrize("headers", [
    {}, {"X-Signature": ""}, {"X-Signature": "0" * 64},
    {"X-Signature": hmac.new(SEED_SECRET.encode(), SEED_BODY, hashlib.sha256).hexdigest()},  # raw body
    {"X-Signature": SEED_SIGNATURE[:-1]}, {"X-Signature": "é" * 64},
])
def test_custom_rejects_bad_signatures(headers):
    with pytest.raises(SignatureError):
        custom.verify(SEED_BODY, headers, SEED_SECRET, {})


def test_custom_rejects_a_reformatted_body():
    reformatted = json.dumps(json.loads(SEED_BODY), indent=1).encode()
    with pytest.raises(SignatureError):
        custom.verify(reformatted, {"X-Signature": SEED_SIGNATURE}, SEED_SECRET, {})


def test_custom_parses_the_seed_example():
    body = json.dumps({
        "transaction_id": "order-123", "username": "PlayerName", "amount": 9.99, "currency": "USD",
        "items": [{"name": "Diamond Rank", "quantity": 1, "price": 9.99}],
        "email": "player@example.com", "timestamp": "2026-03-27T12:00:00Z"}).encode()
    [event] = custom.parse(body, NOW, {})
    assert (event.transaction_id, event.username, event.amount_minor, event.currency) == \
        ("order-123", "PlayerName", 999, "USD")
    assert [(i.name, i.quantity, i.total_minor) for i in event.items] == [("Diamond Rank", 1, 999)]
    assert event.email == "player@example.com"
    assert event.purchased_at == datetime(2026, 3, 27, 12, tzinfo=timezone.utc)


def test_custom_defaults():
    [event] = custom.parse(SEED_BODY.replace(b',"currency":"USD"', b""), NOW, {})
    assert event.currency == "USD" and event.purchased_at == NOW
    assert [(i.name, i.quantity, i.total_minor) for i in event.items] == [("Purchase", 1, 999)]
    [event] = custom.parse(b'{"transaction_id":"a","username":"b","amount":300,"currency":"jpy",'
                           b'"items":[{"name":"Kit","price":100,"quantity":3}]}', NOW, {})
    assert (event.amount_minor, event.currency) == (300, "JPY")
    assert [(i.name, i.quantity, i.total_minor) for i in event.items] == [("Kit", 3, 300)]


def test_custom_amounts_are_exact():
    [event] = custom.parse(b'{"transaction_id":"a","username":"b","amount":0.29}', NOW, {})
    assert event.amount_minor == 29  # float(0.29) * 100 would be 28.999999999999996
    [event] = custom.parse(b'{"transaction_id":"a","username":"b","amount":1000000}', NOW, {})
    assert event.amount_minor == 100_000_000


@pytest.mark.parametrize("body, field", [
    (b'not json', "JSON"),
    (b'[1]', "object"),
    (b'{"username":"b","amount":1}', "transaction_id"),
    (b'{"transaction_id":"a","amount":1}', "username"),
    (b'{"transaction_id":"a","username":"b"}', "amount"),
    (b'{"transaction_id":"a","username":"b","amount":"9.99"}', "amount"),
    (b'{"transaction_id":"a","username":"b","amount":true}', "amount"),
    (b'{"transaction_id":"a","username":"b","amount":-1}', "amount"),
    (b'{"transaction_id":"a","username":"b","amount":1000000.01}', "amount"),
    (b'{"transaction_id":"a","username":"b","amount":NaN}', "JSON"),
    (b'{"transaction_id":"a","username":"b","amount":Infinity}', "JSON"),
    (b'{"transaction_id":"a","username":"b","amount":1e999}', "amount"),
    (b'{"transaction_id":"a","username":"b","amount":9.999}', "amount"),
    (b'{"transaction_id":"a","username":"b","amount":1,"currency":"US"}', "currency"),
    (b'{"transaction_id":"a","username":"b","amount":1,"items":{}}', "items"),
    (b'{"transaction_id":"a","username":"b","amount":1,"items":[{"price":1}]}', "items[0].name"),
    (b'{"transaction_id":"a","username":"b","amount":1,"items":[{"name":"x"}]}', "items[0].price"),
    (b'{"transaction_id":"a","username":"b","amount":1,"items":[{"name":"x","price":1,'
     b'"quantity":0}]}', "items[0].quantity"),
    (b'{"transaction_id":"a","username":"b","amount":1,"timestamp":"yesterday"}', "timestamp"),
    (b'{"transaction_id":"","username":"b","amount":1}', "transaction_id"),
])
def test_custom_payload_errors_name_the_field(body, field):
    with pytest.raises(PayloadError, match=field.replace("[", r"\[").replace("]", r"\]")):
        custom.parse(body, NOW, {})


# ---- CraftingStore Gold: HMAC-SHA256(key=secret, msg=raw body) ----

def test_craftingstore_known_vector():
    assert craftingstore.sign(CS_BODY, CS_SECRET) == CS_SIGNATURE
    assert hmac.new(CS_SECRET.encode(), CS_BODY, hashlib.sha256).hexdigest() == CS_SIGNATURE
    craftingstore.verify(CS_BODY, {"X-Signature": CS_SIGNATURE}, CS_SECRET, {})


@pytest.mark.parametrize("headers", [
    {}, {"X-Signature": "nothex"},
    {"X-Signature": custom.sign(CS_BODY, CS_SECRET)},  # the Custom scheme is not CraftingStore's
    {"X-Signature": hmac.new(b"other", CS_BODY, hashlib.sha256).hexdigest()},
])
def test_craftingstore_rejects_bad_signatures(headers):
    with pytest.raises(SignatureError):
        craftingstore.verify(CS_BODY, headers, CS_SECRET, {})


def test_craftingstore_parses_a_filled_template():
    [event] = craftingstore.parse(CS_BODY, NOW, {"currency": "EUR"})
    assert (event.transaction_id, event.username, event.amount_minor, event.currency) == \
        ("cs-1", "Steve", 450, "EUR")
    assert event.uuid is None and event.coupon is None and event.email is None  # placeholders/empty
    assert event.purchased_at == datetime.fromtimestamp(1711540800, tz=timezone.utc)
    assert event.extra == {"payment_name": "VIP", "gateway": "paypal"}
    assert [(i.name, i.quantity, i.total_minor) for i in event.items] == [("Purchase", 1, 450)]


def _cs(**values):
    template = json.loads(craftingstore.PAYLOAD_TEMPLATE)
    template.update(values)
    return json.dumps(template).encode()


def test_craftingstore_full_payload_and_default_currency():
    body = _cs(transaction_id="tx-9", in_game_name="Alex", uuid="069a79f4-44e9-4726-a5be-fca90e38aaf5",
               price="19.99", email="a@example.com", timestamp="2026-03-27T12:00:00Z",
               coupon="STEVE10", payment_name="Rank", gateway="stripe")
    [event] = craftingstore.parse(body, NOW, {})
    assert event.currency == "USD" and event.amount_minor == 1999
    assert event.uuid == "069a79f4-44e9-4726-a5be-fca90e38aaf5"
    assert (event.email, event.coupon) == ("a@example.com", "STEVE10")
    assert event.purchased_at == datetime(2026, 3, 27, 12, tzinfo=timezone.utc)


def test_craftingstore_price_coercion_is_exact():
    for text, minor in [("0.29", 29), ("10", 1000), (" 5.5 ", 550), ("1000000", 100_000_000)]:
        [event] = craftingstore.parse(_cs(transaction_id="t", in_game_name="A", price=text), NOW, {})
        assert event.amount_minor == minor
    [event] = craftingstore.parse(_cs(transaction_id="t", in_game_name="A", price="500"), NOW,
                                  {"currency": "JPY"})
    assert event.amount_minor == 500


def test_craftingstore_timestamps():
    for text, expected in [("2026-03-27 12:00:00", datetime(2026, 3, 27, 12, tzinfo=timezone.utc)),
                           ("2026-03-27T14:00:00+02:00", datetime(2026, 3, 27, 12, tzinfo=timezone.utc)),
                           ("1774612800", datetime(2026, 3, 27, 12, tzinfo=timezone.utc)),
                           ("1774612800.75", datetime(2026, 3, 27, 12, tzinfo=timezone.utc)),
                           ("{timestamp}", NOW), ("", NOW)]:
        [event] = craftingstore.parse(_cs(transaction_id="t", in_game_name="A", price="1",
                                          timestamp=text), NOW, {})
        assert event.purchased_at == expected, text


@pytest.mark.parametrize("values, field", [
    ({"in_game_name": "A", "price": "1"}, "transaction_id is required"),  # "{transaction_id}"
    ({"transaction_id": "t", "price": "1"}, "in_game_name is required"),
    ({"transaction_id": "t", "in_game_name": "A"}, "price is required"),
    ({"transaction_id": "t", "in_game_name": "A", "price": ""}, "price is required"),
    ({"transaction_id": "t", "in_game_name": "A", "price": "free"}, "price"),
    ({"transaction_id": "t", "in_game_name": "A", "price": "-1"}, "price"),
    ({"transaction_id": "t", "in_game_name": "A", "price": "1000000.01"}, "price"),
    ({"transaction_id": "t", "in_game_name": "A", "price": "NaN"}, "price"),
    ({"transaction_id": "t", "in_game_name": "A", "price": "1.005"}, "price"),
    ({"transaction_id": "t", "in_game_name": "A", "price": "1", "timestamp": "soon"}, "timestamp"),
    ({"transaction_id": "t", "in_game_name": "A", "price": "1", "uuid": "x" * 37}, "uuid"),
    ({"transaction_id": "t", "in_game_name": "A", "price": "1", "coupon": ["x"]}, "coupon"),
])
def test_craftingstore_payload_errors(values, field):
    with pytest.raises(PayloadError, match=field):
        craftingstore.parse(_cs(**values), NOW, {})


def test_craftingstore_bad_currency_setting_is_a_payload_error():
    with pytest.raises(PayloadError, match="currency"):
        craftingstore.parse(_cs(transaction_id="t", in_game_name="A", price="1"), NOW,
                            {"currency": "dollars"})


def test_craftingstore_payload_template_is_the_seed_shape_minified():
    assert "\n" not in craftingstore.PAYLOAD_TEMPLATE and " " not in craftingstore.PAYLOAD_TEMPLATE
    assert json.loads(craftingstore.PAYLOAD_TEMPLATE) == {
        "transaction_id": "{transaction_id}", "in_game_name": "{in_game_name}", "uuid": "{uuid}",
        "price": "{price}", "payment_name": "{payment_name}", "email": "{email}",
        "timestamp": "{timestamp}", "gateway": "{gateway}", "coupon": "{coupon}"}
    with pytest.raises(PayloadError, match="is required"):  # nothing was substituted
        craftingstore.parse(craftingstore.PAYLOAD_TEMPLATE.encode(), NOW, {})


def test_numbers_sent_unquoted_are_accepted():
    [event] = craftingstore.parse(b'{"transaction_id":123,"in_game_name":"A","price":4.5}', NOW, {})
    assert (event.transaction_id, event.amount_minor) == ("123", 450)


def test_out_of_range_timestamps_and_quantities_are_payload_errors():
    from datetime import datetime, timezone

    from providers.base import PayloadError, parse_timestamp, whole_number

    now = datetime.now(timezone.utc)
    for text in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "99999999999999"):
        with pytest.raises(PayloadError, match="timestamp"):
            parse_timestamp(text, "timestamp", now)
    from decimal import Decimal
    with pytest.raises(PayloadError, match="quantity"):
        whole_number(Decimal("1e999999999"), "quantity")


@pytest.mark.parametrize("minor, currency, text", [
    (12345, "USD", "123.45"), (5, "EUR", "0.05"), (-250, "GBP", "-2.50"), (900, "USD", "9.00"),
    (1200, "JPY", "1200"), (1234, "KWD", "1.234")])
def test_from_minor_is_the_exact_inverse_of_to_minor(minor, currency, text):
    from decimal import Decimal

    from money import from_minor, to_minor

    assert from_minor(minor, currency) == text
    assert to_minor(Decimal(text), currency, "amount") == minor


# ISO 4217 minor units, written out from the standard (not read from providers.base).
ISO_4217_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
                     "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("USD", "EUR", "GBP", "CAD", "AUD", "BRL", "PLN", "SEK", "CHF", "INR"), 2),
}


@pytest.mark.parametrize("currency, places", sorted(ISO_4217_EXPONENTS.items()))
def test_each_currency_has_its_iso_4217_minor_unit(currency, places):
    from decimal import Decimal

    from money import from_minor, to_minor

    whole = Decimal(1500)
    assert to_minor(whole, currency, "amount") == 1500 * 10 ** places
    assert from_minor(1500 * 10 ** places, currency) == (f"1500.{'0' * places}" if places else "1500")
    finest = Decimal(1).scaleb(-places)  # the smallest amount the currency has
    assert to_minor(finest, currency, "amount") == 1
    with pytest.raises(PayloadError, match="decimal places"):
        to_minor(finest / 10, currency, "amount")


def test_fractional_quantities_are_payload_errors():
    from decimal import Decimal

    from providers.base import whole_number

    assert whole_number(Decimal("2.0"), "quantity") == 2  # a whole number written with a point
    for quantity in (Decimal("2.5"), Decimal("1.0001"), Decimal("9999.9")):
        with pytest.raises(PayloadError, match="whole number"):
            whole_number(quantity, "quantity")
    body = (b'{"transaction_id":"q-1","username":"Alex","amount":2.5,'
            b'"items":[{"name":"Key","price":1,"quantity":2.5}]}')
    with pytest.raises(PayloadError, match=r"items\[0\]\.quantity"):
        custom.parse(body, NOW, {})


@pytest.mark.parametrize("store", ["custom", "craftingstore", "tebex", "craftingstore_gateway"])
@pytest.mark.parametrize("length", [1, 32, 63])
def test_every_signing_store_refuses_a_prefix_of_its_signature(store, length):
    import importlib

    module = importlib.import_module(f"providers.{store}")
    body = b'{"transaction_id":"p-1","username":"Alex","amount":1}'
    signature = module.sign(body, "k3y")
    module.verify(body, {"X-Signature": signature}, "k3y", {})
    with pytest.raises(SignatureError):
        module.verify(body, {"X-Signature": signature[:length]}, "k3y", {})
