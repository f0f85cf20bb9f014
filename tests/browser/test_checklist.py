"""The home's setup checklist advances step by step as a new owner does the real thing: a
Server created in the browser, joins sent through the plugin API with its Bearer key, a store
connected and a signed webhook sent from outside, a Campaign, then an attributed purchase.
Each step is reached by its link on the home."""
import json
import re

from playwright.sync_api import expect

from providers.custom import sign
from tests.browser.conftest import screenshot
from tests.live import post

PASSWORD = "a long owner password"
STEPS = ("server", "plugin", "store", "campaign", "attributed")


def done(page) -> list[str]:
    """The steps the home shows as done, in order."""
    return [step for step in STEPS
            if page.locator(f'[data-step="{step}"]').get_attribute("data-done") == "yes"]


def go_home(page):
    page.get_by_role("link", name="Home", exact=True).click()
    page.get_by_role("heading", name="Block Party", exact=True).wait_for()


def sign_up_with_a_network(page, base: str):
    """The first visit: the owner account, then the Network "Block Party"."""
    page.goto(base)
    page.get_by_label("Email").fill("owner@example.net")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Name").fill("Block Party")
    page.get_by_role("button", name="Create Network").click()


def join(base: str, key: str, username: str, hostname: str | None = None):
    body = json.dumps({"username": username, "hostname": hostname}).encode()
    return post(base + "/api/v1/players/join", body, {"Authorization": f"Bearer {key}"})


def purchase(url: str, secret: str, transaction_id: str, username: str):
    body = json.dumps({"transaction_id": transaction_id, "username": username, "amount": 4.99,
                       "currency": "EUR", "items": [{"name": "Key", "price": 4.99}]}).encode()
    return post(url, body, {"X-Signature": sign(body, secret)})


def test_checklist_advances_through_the_real_flow(page, live_tally):
    app = live_tally.app()
    sign_up_with_a_network(page, live_tally.url)
    go_home(page)
    assert done(page) == []
    expect(page.locator("#latest-purchases")).to_contain_text("No purchases yet")
    screenshot(page, "checklist-0-empty")

    # 1. A Server, through the step's link.
    page.get_by_role("link", name="Create a Server").click()
    page.get_by_label("Server name").fill("Lobby")
    page.get_by_role("button", name="Create Server").click()
    key = re.search(r"tly_[\w-]+", page.locator("#plugin-key").inner_text())[0]
    go_home(page)
    assert done(page) == ["server"]

    # 2. The plugin reports a join.
    page.get_by_role("link", name=re.compile("Install the plugin")).click()
    expect(page.get_by_role("heading", name=re.compile("Lobby"))).to_be_visible()
    assert join(live_tally.url, key, "Alex")[0] == 200
    go_home(page)
    assert done(page) == ["server", "plugin"]

    # 3. A store connected; done at its first accepted delivery (Alex has no Campaign).
    page.get_by_role("link", name=re.compile("Connect a store")).click()
    card = page.locator("#integration-custom")
    card.get_by_role("button", name="Connect").click()
    secret = page.locator("#integration-custom-secret").inner_text().strip()
    webhook_url = page.locator("#integration-custom-url").inner_text().strip()
    go_home(page)
    assert done(page) == ["server", "plugin"]  # connected, nothing accepted yet
    expect(page.locator('[data-store="custom"]')).to_contain_text("Waiting")
    assert purchase(webhook_url, secret, "order-1", "Alex") == (200, {"status": "accepted"})
    live_tally.drained(app)
    go_home(page)
    assert done(page) == ["server", "plugin", "store"]
    expect(page.locator('[data-store="custom"]')).to_contain_text("Connected")

    # 4. A Campaign.
    page.get_by_role("link", name="Create a Campaign").click()
    page.get_by_label("Name", exact=True).fill("YouTube")
    page.get_by_label("Join hostnames (one per line)").fill("yt.example.net")
    page.get_by_role("button", name="Save Campaign").click()
    go_home(page)
    assert done(page) == ["server", "plugin", "store", "campaign"]
    screenshot(page, "checklist-4-of-5")

    # 5. A player brought in by the Campaign buys: the checklist is done and goes away.
    assert join(live_tally.url, key, "Notch", "yt.example.net")[0] == 200
    assert purchase(webhook_url, secret, "order-2", "Notch") == (200, {"status": "accepted"})
    live_tally.drained(app)
    go_home(page)
    expect(page.locator(".checklist")).to_have_count(0)
    expect(page.locator('[data-figure="top_campaign"]')).to_have_text("YouTube")
    expect(page.locator("#latest-purchases")).to_contain_text("Notch")
    screenshot(page, "checklist-5-done")


def test_latest_purchases_refresh_while_the_home_is_open(page, live_tally):
    """The htmx poll brings a purchase sent after the page was opened, without a reload."""
    app = live_tally.app()
    sign_up_with_a_network(page, live_tally.url)
    page.get_by_label("Server name").fill("Lobby")
    page.get_by_role("button", name="Create Server").click()
    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Integrations").click()
    page.locator("#integration-custom").get_by_role("button", name="Connect").click()
    secret = page.locator("#integration-custom-secret").inner_text().strip()
    webhook_url = page.locator("#integration-custom-url").inner_text().strip()
    go_home(page)
    page.evaluate("window.notReloaded = true")
    # Poll quickly for the test: the same element, its trigger shortened.
    page.evaluate("""() => { const box = document.getElementById('latest-purchases');
        box.setAttribute('hx-trigger', 'every 1s'); htmx.process(box); }""")
    assert purchase(webhook_url, secret, "order-9", "Jeb") == (200, {"status": "accepted"})
    live_tally.drained(app)
    expect(page.locator("#latest-purchases")).to_contain_text("Jeb", timeout=10_000)
    assert page.evaluate("window.notReloaded") is True
