"""The Campaign funnel in a real browser: create a Campaign, send joins through its hostname
and a purchase (the plugin API), record a cost, and read conversion and return; screenshots
of the comparison, the Campaign page and the costs page."""
import threading
from datetime import datetime, timezone

import pytest
from werkzeug.serving import make_server

from extensions import db
from tests.browser.conftest import screenshot
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, make_app


@pytest.fixture
def live(tmp_path, request):
    """An owner, a Network and a Server (its plugin key), served on 127.0.0.1 in a thread."""
    from ledger import accounts
    from ledger.servers import create_server

    app = make_app("sqlite", tmp_path, request)
    with app.app_context():
        owner = accounts.create_user(OWNER_EMAIL, OWNER_PASSWORD)
        network = accounts.create_network(owner, "Browser Network")
        _, key = create_server(network, "Lobby")
        db.session.commit()
        network_id = network.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", network_id, key
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


def plugin(page, base, key, path, body):
    response = page.request.post(f"{base}/api/v1/{path}", data=body,
                                 headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200, response.text()


def test_a_campaign_from_joins_to_return(live, page):
    base, network_id, key = live
    page.goto(f"{base}/login")
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", OWNER_PASSWORD)
    page.click("form button")
    page.goto(f"{base}/networks/{network_id}/campaigns/")
    page.fill("input[name=name]", "YouTube")
    page.fill("textarea[name=hostnames]", "yt.example.net")
    page.click("text=Save Campaign")
    page.wait_for_selector("text=YouTube saved.")

    plugin(page, base, key, "players/join", {"username": "Steve",
                                             "hostname": "YT.example.net:25565"})
    plugin(page, base, key, "players/join", {"username": "Alex", "hostname": "yt.example.net"})
    plugin(page, base, key, "players/join", {"username": "Organic"})
    plugin(page, base, key, "purchases", {"transaction_id": "b-1", "username": "Steve",
                                          "amount": 25, "currency": "EUR"})

    page.click("text=Costs")
    page.wait_for_url("**/campaigns/costs")
    page.select_option("select[name=campaign]", label="YouTube")
    page.fill("input[name=amount]", "10")
    page.fill("input[name=currency]", "EUR")
    page.fill("input[name=first_day]", datetime.now(timezone.utc).date().isoformat())
    page.click("text=Save cost")
    page.wait_for_selector("text=Cost saved.")
    screenshot(page, "funnel-costs")

    page.click("text=Compare Campaigns")
    page.wait_for_url("**/campaigns/compare")
    youtube = page.locator("tr[data-campaign]").filter(has_text="YouTube")
    assert youtube.locator('[data-figure="new"]').inner_text() == "2"
    assert youtube.locator('[data-figure="buyers"]').inner_text() == "1"
    assert youtube.locator('[data-figure="conversion"]').inner_text() == "50.0%"
    assert youtube.locator('[data-figure="net"]').inner_text() == "25.00 EUR"
    assert youtube.locator('[data-figure="return"]').inner_text() == "2.50× EUR"
    organic = page.locator('tr[data-campaign="0"]')
    assert organic.locator('[data-figure="new"]').inner_text() == "1"
    screenshot(page, "funnel-compare")

    page.click("th >> text=New players")  # sortable: descending first
    page.wait_for_url("**sort=-new_players**")
    assert page.locator("tr[data-campaign]").first.get_attribute("data-campaign") != "0"

    youtube = page.locator("tr[data-campaign]").filter(has_text="YouTube")
    youtube.locator("a").first.click()
    page.wait_for_url("**/funnel**")
    assert page.locator('[data-figure="conversion"]').inner_text() == "50.0%"
    assert page.locator("svg rect").count() >= 1
    screenshot(page, "funnel-campaign")
