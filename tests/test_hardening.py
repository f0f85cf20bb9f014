"""The security review's findings (issue 18), each as an attack that must now fail."""
import json
import os
import threading
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from extensions import db
from ledger import accounts
from models import Delivery, DeliveryRejection, Membership, Network, Purchase, User
from models.base import utcnow
from providers import custom, donationstore
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD
from tests.store_helpers import connect

DS_SECRET = "donation-store-secret"
UUID = "5b05c7cc311841c78993ef9f3ba5fb63"


def ds_payment(transaction_id="tx-1001", uuid=UUID, email="mark@example.com",
               username="MCxJB", amount=50):
    return json.dumps({
        "webhook_type": "payment",
        "payment": {"transaction_id": transaction_id, "amount": amount, "currency": "EUR",
                    "status": "Complete"},
        "customer": {"username": username, "uuid": uuid, "email": email}}).encode()


def ds_post(client, project_id, body, authorization):
    return client.post(f"/api/webhooks/donationstore?projectId={project_id}", data=body,
                       headers={"Authorization": authorization,
                                "Content-Type": "application/json"})


def purchase_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Purchase.id)))


# --- Donation Store: the field-shifting forgery ---------------------------------------------

def test_the_reported_forgery_is_refused(app, client, server):
    connect(app, server.id, "donationstore", secret=DS_SECRET)
    genuine = donationstore.signature(DS_SECRET, "tx-1001", UUID, "mark@example.com")
    assert ds_post(client, server.project_id, ds_payment(), genuine).json == {"status": "accepted"}
    # The same header; a character moved from the UUID to the transaction id, new amount and name.
    forged = ds_payment("tx-10015", UUID[1:], amount=999999, username="Attacker")
    response = ds_post(client, server.project_id, forged, genuine)
    assert response.status_code == 401 and "Minecraft UUID" in response.json["error"]
    assert purchase_count(app) == 1


def test_a_signature_is_accepted_for_one_transaction_only(app, client, server):
    """A re-cut the UUID's shape cannot catch: hex moved across both UUID boundaries."""
    connect(app, server.id, "donationstore", secret=DS_SECRET)
    genuine = donationstore.signature(DS_SECRET, "123", UUID, "mark@example.com")
    assert ds_post(client, server.project_id, ds_payment("123"), genuine).status_code == 200
    recut = ds_payment("12", "3" + UUID[:31], UUID[31] + "mark@example.com", amount=999999)
    assert donationstore.signature(DS_SECRET, "12", "3" + UUID[:31],
                                   UUID[31] + "mark@example.com") == genuine  # same hash
    response = ds_post(client, server.project_id, recut, genuine)
    assert response.status_code == 401 and "another transaction" in response.json["error"]
    # A retry of the genuine delivery is still a duplicate, not a refusal.
    assert ds_post(client, server.project_id, ds_payment("123"), genuine).json == \
        {"status": "duplicate"}
    assert purchase_count(app) == 1


@pytest.fixture
def donation_store(app, server):
    connect(app, server.id, "donationstore", secret=DS_SECRET)
    return server


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(boundary=st.sampled_from(["id|uuid", "uuid|email"]), shift=st.integers(1, 5),
       leftwards=st.booleans(), transaction_id=st.sampled_from(["123", "tx-1001", "abc9f"]),
       dashed=st.booleans())
def test_moving_characters_across_any_boundary_is_refused(app, client, donation_store, boundary,
                                                          shift, leftwards, transaction_id,
                                                          dashed):
    server = donation_store
    uuid = f"{UUID[:8]}-{UUID[8:12]}-{UUID[12:16]}-{UUID[16:20]}-{UUID[20:]}" if dashed else UUID
    fields = [transaction_id, uuid, "mark@example.com"]
    genuine = donationstore.signature(DS_SECRET, *fields)
    ds_post(client, server.project_id, ds_payment(*fields), genuine)  # seen once (or again)
    before = purchase_count(app)
    left = 0 if boundary == "id|uuid" else 1
    a, b = fields[left], fields[left + 1]
    if leftwards:  # the start of the right field joins the left one
        moved = (a + b[:shift], b[shift:])
    else:  # the end of the left field joins the right one
        moved = (a[:-shift], a[-shift:] + b)
    forged = list(fields)
    forged[left], forged[left + 1] = moved
    assert donationstore.signature(DS_SECRET, *forged) == genuine
    if forged[0] and forged[2]:  # an empty field is refused as missing (400) anyway
        response = ds_post(client, server.project_id,
                           ds_payment(*forged, amount=999999, username="Attacker"), genuine)
        assert response.status_code == 401, (forged, response.json)
    assert purchase_count(app) == before


# --- redirects after login ------------------------------------------------------------------

@pytest.mark.parametrize("next_url", [
    "/%09/evil.com", "/%5C/evil.com", "/%0D%0A/evil.com", "%0D%0ALocation:%20https://evil.com",
    "https:evil.com", "https://evil.com", "//evil.com", "/\\evil.com", "javascript:alert(1)",
    "/%00/evil.com", "%09//evil.com"])
def test_login_never_redirects_off_the_host(client, owner, next_url):
    data = {"email": OWNER_EMAIL, "password": OWNER_PASSWORD}
    response = client.post(f"/login?next={next_url}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_keeps_a_path_on_this_host(client, owner):
    data = {"email": OWNER_EMAIL, "password": OWNER_PASSWORD}
    response = client.post("/login?next=/networks/%3Fx%3D1", data=data)
    assert response.headers["Location"] == "/networks/?x=1"


# --- unauthenticated requests do not grow the database ----------------------------------------

def database_bytes(app) -> int:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            path = db.engine.url.database
            return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        return db.session.scalar(text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"))


@pytest.mark.slow
def test_ten_thousand_bad_deliveries_grow_the_database_by_under_1_mb(app, client, server,
                                                                     figure):
    secret = connect(app, server.id, "custom")
    body = json.dumps({"transaction_id": "x", "username": "Steve", "amount": 1,
                       "note": "x" * 4000}).encode()
    ok = client.post(f"/api/webhooks/custom?projectId={server.project_id}", data=body,
                     headers={"X-Signature": custom.sign(body, secret)})
    assert ok.status_code == 200
    before = database_bytes(app)
    targets = [(server.project_id, "custom", "00" * 32),       # wrong signature
               (server.project_id, "tebex", "00" * 32),        # store not connected
               ("0" * 32, "custom", custom.sign(body, secret))]  # unknown projectId
    statuses = set()
    first_hour = utcnow().replace(minute=0, second=0, microsecond=0)
    for n in range(10_000):
        project_id, store, signature = targets[n % 3]
        response = client.post(f"/api/webhooks/{store}?projectId={project_id}", data=body,
                               headers={"X-Signature": signature})
        statuses.add(response.status_code)
    with app.app_context():
        from ledger import rejections
        rejections.of(db.engine).flush()
        rows = db.session.scalar(select(func.count(Delivery.id)))
        counted = db.session.scalar(select(func.sum(DeliveryRejection.count)))
        bodies = db.session.scalar(select(func.count(Delivery.id)).where(
            Delivery.body.is_not(None)))
    grown = database_bytes(app) - before
    figure(f"10,000 bad deliveries [{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}]: "
           f"database grew {grown / 1024:.0f} KiB, {rows - 1} log rows, {counted} counted")
    assert statuses == {401, 404}
    assert counted == 10_000 and bodies == 1  # only the verified delivery kept its body
    # the hourly cap of logged refusals for one Server and store, per clock hour the run touched
    hours = (utcnow() - first_hour) // timedelta(hours=1) + 1
    assert rows - 1 <= 100 * hours
    assert grown < 1024 * 1024


def test_old_delivery_rows_are_deleted(app, runner, client, server):
    secret = connect(app, server.id, "custom")
    body = json.dumps({"transaction_id": "t1", "username": "Steve", "amount": 1}).encode()
    client.post(f"/api/webhooks/custom?projectId={server.project_id}", data=body,
                headers={"X-Signature": custom.sign(body, secret)})
    with app.app_context():
        delivery = db.session.scalars(select(Delivery)).one()
        delivery.received_at = utcnow() - timedelta(days=91)
        db.session.commit()
    result = runner.invoke(args=["deliveries", "prune"])
    assert "deleted 1 log rows older than 90 days" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Delivery.id))) == 0
        purchase = db.session.scalars(select(Purchase)).one()  # the purchase stays
        assert purchase.delivery_id is None


# --- sessions ---------------------------------------------------------------------------------

def test_a_cookie_saved_before_logout_no_longer_opens_the_dashboard(app, client, auth, owner):
    auth.login()
    saved = client.get_cookie("session").value
    assert client.get("/networks/").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/networks/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changing_the_password_signs_out_other_sessions(app, client, auth, owner):
    auth.login()
    other = app.test_client()
    other.post("/login", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
    assert other.get("/networks/").status_code == 200
    response = client.post("/account/password", data={
        "current": OWNER_PASSWORD, "password": "a brand new password", "confirm":
        "a brand new password"})
    assert response.status_code == 302
    assert client.get("/networks/").status_code == 200  # this browser stays signed in
    assert other.get("/networks/").status_code == 302
    wrong = client.post("/account/password", data={
        "current": "not it at all", "password": "another new one!", "confirm": "another new one!"})
    assert wrong.status_code == 400 and b"not your current password" in wrong.data


def test_sessions_expire_after_the_idle_time(app, client, auth, owner, monkeypatch):
    import itsdangerous.timed

    auth.login()
    assert client.get("/networks/").status_code == 200
    idle = app.permanent_session_lifetime.total_seconds()
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + int(idle) + 5)
    response = client.get("/networks/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- roles --------------------------------------------------------------------------------------

def test_a_member_cannot_regenerate_the_plugin_key(app, client, server):
    with app.app_context():
        accounts.add_member(db.session.get(Network, server.network_id), "member@example.com",
                            password="member password 1")
        db.session.commit()
    client.post("/login", data={"email": "member@example.com", "password": "member password 1"})
    assert b"Regenerate plugin key" not in client.get(f"/servers/{server.id}").data
    assert client.post(f"/servers/{server.id}/key").status_code == 403


# --- headers -----------------------------------------------------------------------------------

def test_only_the_pinned_htmx_script_is_allowed(client):
    csp = client.get("/login", follow_redirects=True).headers["Content-Security-Policy"]
    assert "script-src 'self' https://unpkg.com/htmx.org@2.0.4/dist/htmx.min.js;" in csp


def test_pages_are_not_cached_but_static_files_are(logged_in):
    assert logged_in.get("/networks/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in logged_in.get("/static/app.css").headers.get("Cache-Control", "")


def test_hsts_only_over_https(backend, tmp_path, request, monkeypatch):
    from tests.conftest import make_app

    assert "Strict-Transport-Security" not in make_app(
        backend, tmp_path, request).test_client().get("/login").headers
    monkeypatch.setenv("TALLY_HTTPS", "1")
    headers = make_app(backend, tmp_path, request).test_client().get("/login").headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000"


# --- first run ---------------------------------------------------------------------------------

def test_two_simultaneous_first_signups_leave_one_account(app, backend, monkeypatch):
    if backend != "postgres":
        pytest.skip("SQLite already serialises the two requests on its write lock")
    both_checked = threading.Barrier(2, timeout=5)
    real = accounts.has_users

    def has_users_then_wait():
        answer = real()
        if not answer:
            try:
                both_checked.wait()  # both visitors saw "no users yet"
            except threading.BrokenBarrierError:
                pass
        return answer

    monkeypatch.setattr(accounts, "has_users", has_users_then_wait)
    answers = []

    def sign_up(email):
        response = app.test_client().post("/setup", data={
            "email": email, "password": "long enough 1", "confirm": "long enough 1"})
        answers.append(response.headers["Location"])

    threads = [threading.Thread(target=sign_up, args=(f"first{n}@example.com",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1
        assert db.session.scalar(select(func.count(Membership.id))) == 0
    assert sorted(answers) == ["/login", "/networks/"]


# --- flask serve -------------------------------------------------------------------------------

def test_serve_refuses_several_workers_with_in_memory_rate_limits(app, runner):
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    result = runner.invoke(args=["serve", "--workers", "2"])
    assert result.exit_code != 0 and "TALLY_RATELIMIT_STORAGE" in result.output
