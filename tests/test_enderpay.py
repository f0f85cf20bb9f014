"""EnderPay: URL token, the documented events, content-based dedupe, chargeback matching."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from events import SignatureError
from extensions import db
from models import Adjustment, Purchase, StoreEvent
from providers import enderpay
from tests.enderpay_seed import SEED
from tests.store_helpers import NOTHING, connect, counts, last_delivery

T0 = datetime(2024, 3, 1, 12, 0, 1, tzinfo=timezone.utc)  # 1 s into a 10-minute bucket


@pytest.fixture
def clock(monkeypatch):
    """The pipeline's notion of now, set by the test."""
    state = {"now": T0}
    monkeypatch.setattr("ledger.deliveries.utcnow", lambda: state["now"])
    return state


@pytest.fixture
def token(app, server):
    return connect(app, server.id, "enderpay", settings={"currency": "EUR"})


def post(client, project_id, body, token):
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    url = f"/api/webhooks/enderpay?projectId={project_id}"
    if token is not None:
        url += f"&token={token}"
    return client.post(url, data=body, headers={"Content-Type": "application/json"})


def purchases(app):
    with app.app_context():
        return [(p.transaction_id[:3], p.amount_minor, p.reversed_minor, p.currency, p.recurring,
                 [(a.kind, a.amount_minor) for a in p.adjustments])
                for p in db.session.scalars(db.select(Purchase).order_by(Purchase.id))]


def test_token_is_checked_in_the_url(app, client, server, token, clock):
    body = SEED["STORE_PACKAGE_INITIAL"]
    for bad in (None, "", token.upper(), token[:-1], "x" * len(token)):
        response = post(client, server.project_id, body, bad)
        assert response.status_code == 401, bad
    assert counts(app) == NOTHING
    assert post(client, server.project_id, body, token).status_code == 200
    with pytest.raises(SignatureError, match="token query parameter is missing"):
        enderpay.verify(body, {}, token, {})


def test_dedupe_id_vector():
    """SHA-256 of the canonical body, computed independently with sha256sum."""
    raw = json.loads(SEED["STORE_PACKAGE_INITIAL"])
    this, previous = enderpay._dedupe_ids(raw, T0)
    bucket = int(T0.timestamp()) // 600
    assert this == f"ep-be6149b78b18ce5b9d34bc60d55edb3a14d65bebc7b5b599-{bucket}"
    assert previous == f"ep-be6149b78b18ce5b9d34bc60d55edb3a14d65bebc7b5b599-{bucket - 1}"


def test_every_documented_event_is_accepted(app, client, server, token, clock):
    for name, body in SEED.items():
        response = post(client, server.project_id, body, token)
        assert response.status_code == 200 and response.json == {"status": "accepted"}, name
    # the seed lists the chargeback before any purchase: it stands alone, as a negative purchase
    assert purchases(app) == [("cha", -10000, 0, "EUR", False, []),
                              ("ep-", 10000, 0, "EUR", False, []),
                              ("ep-", 10000, 0, "EUR", True, [])]
    with app.app_context():
        events = db.session.execute(db.select(StoreEvent.kind, StoreEvent.username, StoreEvent.detail)
                                    .order_by(StoreEvent.id)).all()
        assert [tuple(e) for e in events] == [
            ("visit", "Test", {"banned": True, "reason": "adawd"}),
            ("visit", "Enderpay", None),
            ("expiry", "Zioty", {"package": "Test", "quantity": 1, "total_minor": 5500,
                                 "currency": "EUR"}),
            ("reward", "Madci", {"reward": "payment_milestone", "id": "16", "name": "$100 GBP Donated!"}),
            ("reward", "Madci", {"reward": "return_customer", "id": "17", "name": "Return Customer"}),
            ("reward", "Madci", {"reward": "reward_count", "id": "18", "name": "Earn 10 Rewards!"}),
        ]
        purchase = db.session.scalars(db.select(Purchase).order_by(Purchase.id)).all()[1]
        assert (purchase.username, purchase.uuid) == ("Zioty", "e278d8b0-3388-4b49-b7d5-5e79623fce7a")
        assert [(i.name, i.quantity, i.total_minor) for i in purchase.items] == [("Test", 1, 10000)]
        visitors = db.session.scalars(db.select(StoreEvent.username).filter_by(
            server_id=server.id, kind="visit")).all()
        assert sorted(visitors) == ["Enderpay", "Test"]


def test_retries_count_once(app, client, server, token, clock):
    body = SEED["STORE_PACKAGE_INITIAL"]
    reformatted = json.dumps(json.loads(body), indent=4, sort_keys=False).encode()
    assert post(client, server.project_id, body, token).json == {"status": "accepted"}
    clock["now"] = T0 + timedelta(minutes=9, seconds=58)  # next bucket: found through the alias
    assert post(client, server.project_id, reformatted, token).json == {"status": "duplicate"}
    assert post(client, server.project_id, SEED["STORE_LOGIN_SUCCESSFUL"], token).json == \
        {"status": "accepted"}
    assert post(client, server.project_id, SEED["STORE_LOGIN_SUCCESSFUL"], token).json == \
        {"status": "duplicate"}
    assert counts(app) == {"purchases": 1, "adjustments": 0, "store_events": 1}


def test_a_retry_in_the_next_bucket_is_a_duplicate(app, client, server, token, clock):
    """The copy lands in the next 10-minute bucket: found only through the previous-bucket id."""
    bucket = int(T0.timestamp()) // 600
    assert post(client, server.project_id, SEED["STORE_PACKAGE_INITIAL"], token).json == \
        {"status": "accepted"}
    clock["now"] = T0 + timedelta(minutes=10)
    assert int(clock["now"].timestamp()) // 600 == bucket + 1
    assert post(client, server.project_id, SEED["STORE_PACKAGE_INITIAL"], token).json == \
        {"status": "duplicate"}
    assert post(client, server.project_id, SEED["STORE_PACKAGE_CHARGEBACK"], token).json == \
        {"status": "accepted"}
    clock["now"] = T0 + timedelta(minutes=19, seconds=58)
    assert post(client, server.project_id, SEED["STORE_PACKAGE_CHARGEBACK"], token).json == \
        {"status": "duplicate"}
    assert counts(app) == {"purchases": 1, "adjustments": 1, "store_events": 0}


def test_identical_purchases_far_apart_count_twice(app, client, server, token, clock):
    """The trade-off: within the window they would count once; 20+ minutes apart, twice."""
    body = SEED["STORE_PACKAGE_INITIAL"]
    post(client, server.project_id, body, token)
    clock["now"] = T0 + timedelta(minutes=20)
    assert post(client, server.project_id, body, token).json == {"status": "accepted"}
    assert len(purchases(app)) == 2


def test_chargeback_reverses_the_most_recent_match(app, client, server, token, clock):
    initial, chargeback = SEED["STORE_PACKAGE_INITIAL"], SEED["STORE_PACKAGE_CHARGEBACK"]
    other = json.loads(initial)
    other["data"]["package"]["name"] = "Other"
    post(client, server.project_id, initial, token)
    clock["now"] = T0 + timedelta(hours=1)
    post(client, server.project_id, initial, token)
    post(client, server.project_id, other, token)  # same total, other package: not a match
    clock["now"] = T0 + timedelta(hours=2)
    assert post(client, server.project_id, chargeback, token).json == {"status": "accepted"}
    clock["now"] += timedelta(minutes=5)
    assert post(client, server.project_id, chargeback, token).json == {"status": "duplicate"}
    assert [p[2] for p in purchases(app)] == [0, 10000, 0]
    clock["now"] = T0 + timedelta(hours=3)  # a second chargeback: the older purchase
    post(client, server.project_id, chargeback, token)
    assert [(p[1], p[2]) for p in purchases(app)] == [(10000, 10000), (10000, 10000), (10000, 0)]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Adjustment.id))) == 2


def test_unmatched_chargeback_is_a_standalone_negative_purchase(app, client, server, token, clock):
    chargeback = SEED["STORE_PACKAGE_CHARGEBACK"]
    response = post(client, server.project_id, chargeback, token)
    assert response.json == {"status": "accepted"}
    assert "standalone negative chargeback" in last_delivery(app).reason
    assert post(client, server.project_id, chargeback, token).json == {"status": "duplicate"}
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert purchase.transaction_id.startswith("chargeback:ep-")
        assert (purchase.amount_minor, purchase.reversed_minor, purchase.net_minor) == (-10000, 0, -10000)
        assert purchase.extra == {"gateway": "STRIPE", "standalone": "chargeback"}


def test_a_visit_retried_in_the_next_bucket_is_a_duplicate(app, client, server, token, clock):
    """Store activity (not only purchases) is found through the previous bucket's id."""
    body = SEED["STORE_LOGIN_SUCCESSFUL"]
    assert post(client, server.project_id, body, token).json == {"status": "accepted"}
    clock["now"] = T0 + timedelta(minutes=10)
    assert post(client, server.project_id, body, token).json == {"status": "duplicate"}
    assert counts(app) == {"purchases": 0, "adjustments": 0, "store_events": 1}


def test_a_matched_chargeback_retried_in_the_next_bucket_is_a_duplicate(app, client, server,
                                                                        token, clock):
    """The retry's previous-bucket id is the applied chargeback's: no second, standalone one."""
    post(client, server.project_id, SEED["STORE_PACKAGE_INITIAL"], token)
    clock["now"] = T0 + timedelta(hours=1)
    chargeback = SEED["STORE_PACKAGE_CHARGEBACK"]
    assert post(client, server.project_id, chargeback, token).json == {"status": "accepted"}
    clock["now"] = T0 + timedelta(hours=1, minutes=10)  # the next 10-minute bucket
    assert post(client, server.project_id, chargeback, token).json == {"status": "duplicate"}
    assert purchases(app) == [("ep-", 10000, 10000, "EUR", False, [("chargeback", 10000)])]


def test_a_chargeback_retried_after_its_purchase_arrived_changes_nothing(app, client, server,
                                                                         token, clock):
    """The chargeback overtook its purchase (a standalone negative purchase); its retry must
    not charge back the purchase that arrived in between."""
    chargeback = SEED["STORE_PACKAGE_CHARGEBACK"]
    assert post(client, server.project_id, chargeback, token).json == {"status": "accepted"}
    clock["now"] = T0 + timedelta(minutes=1)
    assert post(client, server.project_id, SEED["STORE_PACKAGE_INITIAL"], token).json == \
        {"status": "accepted"}
    clock["now"] = T0 + timedelta(minutes=2)
    assert post(client, server.project_id, chargeback, token).json == {"status": "duplicate"}
    assert purchases(app) == [("cha", -10000, 0, "EUR", False, []),
                              ("ep-", 10000, 0, "EUR", False, [])]


def test_a_chargeback_skips_a_purchase_already_fully_refunded(app, client, server, token, clock):
    """The most recent match was refunded in full by the owner: the chargeback takes the one
    before it instead of failing on nothing left to reverse."""
    from ledger.corrections import apply_reversal

    initial = SEED["STORE_PACKAGE_INITIAL"]
    post(client, server.project_id, initial, token)
    clock["now"] = T0 + timedelta(hours=1)
    post(client, server.project_id, initial, token)
    with app.app_context():
        newest = db.session.scalars(db.select(Purchase).order_by(Purchase.id.desc())).first()
        apply_reversal(newest, "refund", reason="refunded by hand")
        db.session.commit()
    clock["now"] = T0 + timedelta(hours=2)
    assert post(client, server.project_id, SEED["STORE_PACKAGE_CHARGEBACK"], token).json == \
        {"status": "accepted"}
    assert purchases(app) == [("ep-", 10000, 10000, "EUR", False, [("chargeback", 10000)]),
                              ("ep-", 10000, 10000, "EUR", False, [("refund", 10000)])]


def test_the_same_body_on_two_servers_counts_on_each(app, client, server, token, clock,
                                                     other_network):
    """Dedupe is per Server: another Server's copy in the previous bucket is not a retry."""
    other_token = connect(app, other_network.server_id, "enderpay", settings={"currency": "EUR"})
    body = SEED["STORE_PACKAGE_INITIAL"]
    assert post(client, server.project_id, body, token).json == {"status": "accepted"}
    clock["now"] = T0 + timedelta(minutes=10)  # its previous-bucket id is the first one's id
    assert post(client, other_network.project_id, body, other_token).json == {"status": "accepted"}
    assert post(client, other_network.project_id, body, other_token).json == {"status": "duplicate"}
    with app.app_context():
        assert sorted(db.session.scalars(db.select(Purchase.server_id))) == \
            sorted([server.id, other_network.server_id])


def test_currency_defaults_to_usd(app, client, server, clock):
    token = connect(app, server.id, "enderpay")
    post(client, server.project_id, SEED["STORE_PACKAGE_RENEWAL"], token)
    assert purchases(app) == [("ep-", 10000, 0, "USD", True, [])]


def mutate(name, change):
    data = json.loads(SEED[name])
    change(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize("body, message", [
    (mutate("STORE_PACKAGE_INITIAL", lambda d: d.update(event="STORE_PACKAGE_GIFTED")),
     "unknown EnderPay event 'STORE_PACKAGE_GIFTED'"),
    (mutate("STORE_PACKAGE_INITIAL", lambda d: d["data"]["payment"].update(total="ten")),
     "data.payment.total is not a number"),
    (mutate("STORE_PACKAGE_INITIAL", lambda d: d["data"]["payment"].update(total=[1])),
     "data.payment.total must be a number"),
    (mutate("STORE_PACKAGE_INITIAL", lambda d: d["data"]["payment"].update(total="-5.00")),
     "data.payment.total must not be negative"),
    (mutate("STORE_PACKAGE_INITIAL", lambda d: d["data"]["payment"].update(total="1.001")),
     "more decimal places"),
    (mutate("STORE_PACKAGE_INITIAL", lambda d: d["data"]["payment"].pop("total")),
     "data.payment.total is required"),
    (mutate("STORE_PACKAGE_CHARGEBACK", lambda d: d["data"].pop("package")),
     "data.package is required"),
    (mutate("STORE_PACKAGE_INITIAL", lambda d: d["data"]["package"].update(quantity="1")),
     "data.package.quantity must be a whole number"),
    (mutate("STORE_LOGIN_SUCCESSFUL", lambda d: d["data"]["customer"].pop("username")),
     "data.customer.username is required"),
    (mutate("STORE_LOGIN_SUCCESSFUL", lambda d: d.update(data="x")), "data must be an object"),
    (mutate("REWARD_GIVEN_RETURN_CUSTOMER", lambda d: d["data"].pop("reward")),
     "data.reward is required"),
    (b'{"data": {}}', "event is required"),
])
def test_bad_payloads_are_400_and_write_nothing(app, client, server, token, clock, body, message):
    response = post(client, server.project_id, body, token)
    assert response.status_code == 400 and message in response.json["error"], response.json
    assert counts(app) == NOTHING


def test_copies_across_a_bucket_boundary_wait_for_each_other(app, server, backend):
    """Two copies on either side of a 10-minute boundary, in concurrent transactions: the
    second waits on the first's advisory lock, then sees it and counts nothing (PostgreSQL)."""
    import threading

    from ledger.purchases import insert_purchase
    from models import Server
    from tests.locks import wait_until_blocked

    if backend != "postgres":
        pytest.skip("SQLite writers are already serialised by the database write lock")
    body = SEED["STORE_PACKAGE_INITIAL"]
    boundary = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    first, second = (enderpay.parse(body, boundary + offset, {"currency": "USD"})[0]
                     for offset in (timedelta(seconds=-1), timedelta(seconds=1)))
    assert first.transaction_id in second.duplicate_if_recorded
    results = {}

    def record(name, event, before_commit=None):
        with app.app_context():
            srv = db.session.get(Server, server.id)
            results[name] = insert_purchase(srv, "enderpay", event)
            if before_commit:
                before_commit()
            db.session.commit()

    b = threading.Thread(target=record, args=("b", second))

    def let_the_copy_queue_up():
        b.start()
        wait_until_blocked(app)  # the copy waits on the advisory lock this transaction holds

    record("a", first, let_the_copy_queue_up)
    b.join(10)
    assert results["a"] is not None and results["b"] is None
    assert len(purchases(app)) == 1