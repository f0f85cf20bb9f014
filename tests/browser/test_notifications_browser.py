"""Notifications in a real browser: add a Discord alert pointing at a fake Discord, press Send
test, read the log; a purchase is told too; a refused delivery is replayed from its log."""
import pytest
from playwright.sync_api import expect

import runtime
from extensions import db
from ledger import integrations
from models import Integration
from tests.browser.conftest import screenshot
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, make_app
from tests.fakes import receiver
from tests.live import thread_server
from tests.notify_helpers import connect_tebex, post_tebex, tebex_payment, work
from tests.store_helpers import connect


@pytest.fixture
def app(tmp_path, request):
    application = make_app("sqlite", tmp_path, request, OUTBOUND_ALLOW_PRIVATE=True)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def log_in(page, base):
    page.route("https://unpkg.com/**", lambda route: route.abort())  # offline
    page.goto(base + "/login")
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", OWNER_PASSWORD)
    page.click("button:has-text('Log in')")


def test_discord_setup_send_test_and_log(app, owner, network, server, page):
    connect_tebex(app, server.id)
    with receiver() as (fake, fake_base), thread_server(app) as base:
        log_in(page, base)
        page.goto(f"{base}/networks/{network}")
        page.click("nav >> text=Notifications")
        expect(page.locator("h1")).to_have_text("Notifications")
        expect(page.locator("body")).to_contain_text("No Discord alerts yet.")
        page.fill("input[name=url]", fake_base + "/api/webhooks/42/token-not-shown")
        page.fill("input[name=min_amount]", "1")
        page.fill("input[name=min_currency]", "EUR")
        screenshot(page, "notifications-1-setup")
        page.click("button:has-text('Add Discord alert')")
        expect(page.locator(".flash-success")).to_contain_text("Discord alert added.")
        expect(page.locator("table")).to_contain_text("127.0.0.1/…/42")
        assert "token-not-shown" not in page.content()

        page.click("button:has-text('Send test')")
        expect(page.locator(".flash-success")).to_contain_text("Test message sent.")
        assert fake.json_bodies()[0]["embeds"][0]["title"] == "Test from Tally"
        screenshot(page, "notifications-2-test-sent")

        post_tebex(app.test_client(), server.project_id, tebex_payment(1))
        work(app)
        page.click("table >> text=Log")
        rows = page.locator("table.sends tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("purchase.accepted")
        expect(rows.nth(1)).to_contain_text("test")
        expect(page.locator("table.sends")).not_to_contain_text("pending")
        screenshot(page, "notifications-3-log")
    described = [b["embeds"][0]["description"] for b in fake.json_bodies()]
    assert "**Notch** paid **12.50 EUR**" in described[1]


def test_replay_a_refused_delivery_after_fixing_the_secret(app, owner, server, page):
    connect(app, server.id, "tebex", secret="pasted-wrong")
    post_tebex(app.test_client(), server.project_id, tebex_payment(1))
    with thread_server(app) as base:
        log_in(page, base)
        page.goto(f"{base}/servers/{server.id}/integrations/tebex/deliveries")
        expect(page.locator("table.deliveries")).to_contain_text("rejected")
        screenshot(page, "replay-1-refused")
        connect_tebex_secret(app, server.id)
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("table.deliveries button:has-text('Replay')")
        expect(page.locator(".flash")).to_contain_text("200 accepted")
        expect(page.locator("table.deliveries tbody tr").first).to_contain_text("accepted")
        screenshot(page, "replay-2-accepted")


def connect_tebex_secret(app, server_id):
    """The owner pastes the right secret (as the Regenerate form does)."""
    with app.app_context():
        integration = db.session.scalars(db.select(Integration)
                                         .filter_by(server_id=server_id)).one()
        integrations.regenerate(integration, runtime.secret_box(), "tbx-notify-secret")
        db.session.commit()
