"""A new owner, from nothing to "Connected", in a real browser with no internet.

Sign up, create a Network and a Server, connect the Custom webhook, read the secret shown
once, send a signed purchase from outside the browser, watch the card flip to Connected
without a reload, find the purchase on the Revenue page, regenerate the secret and see the
old one refused. Screenshots of each step land in screenshots/.
"""
import json
import re

from playwright.sync_api import expect

from providers.custom import sign
from tests.browser.conftest import screenshot
from tests.live import post

PASSWORD = "a long owner password"


def send_purchase(webhook_url: str, secret: str, transaction_id: str):
    body = json.dumps({"transaction_id": transaction_id, "username": "Notch",
                       "amount": 9.99, "currency": "EUR",
                       "items": [{"name": "Diamond Rank", "price": 9.99}]}).encode()
    return post(webhook_url, body, {"X-Signature": sign(body, secret)})


def test_new_owner_journey(page, live_tally):
    page.goto(live_tally.url)
    page.get_by_label("Email").fill("owner@example.net")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Networks").wait_for()
    assert page.evaluate("typeof window.htmx") == "object"  # the vendored fallback loaded

    page.get_by_label("Name").fill("Block Party")
    page.get_by_role("button", name="Create Network").click()
    page.get_by_label("Name").fill("Survival")
    page.get_by_role("button", name="Create Server").click()
    expect(page.locator("#plugin-key")).to_contain_text("tly_")
    screenshot(page, "journey-1-server-created")

    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Integrations").click()
    card = page.locator("#integration-custom")
    card.get_by_role("button", name="Connect").click()
    secret = page.locator("#integration-custom-secret").inner_text().strip()
    webhook_url = page.locator("#integration-custom-url").inner_text().strip()
    assert re.fullmatch(r"whsec_[\w-]{43}", secret)
    expect(card).to_contain_text("Waiting for the first delivery")
    page.evaluate("window.notReloaded = true")
    screenshot(page, "journey-2-secret-shown-once")

    assert send_purchase(webhook_url, secret, "order-1") == (200, {"status": "accepted"})
    expect(card.locator(".badge-ok")).to_have_text("Connected", timeout=10_000)
    assert page.evaluate("window.notReloaded") is True  # the card flipped by itself
    screenshot(page, "journey-3-connected")

    page.get_by_role("link", name="Revenue").last.click()
    totals = page.locator('[data-currency="EUR"]')
    expect(totals.locator('[data-figure="gross"]')).to_have_text("9.99 EUR")
    expect(totals.locator('[data-figure="purchases"]')).to_have_text("1")
    screenshot(page, "journey-4-revenue")
    page.get_by_role("navigation", name="Revenue").get_by_role("link", name="Purchases").click()
    table = page.locator("#purchase-table")
    expect(table).to_contain_text("Notch")
    expect(table).to_contain_text("Unmatched")  # nobody called Notch has joined yet
    expect(table).to_contain_text("9.99")
    screenshot(page, "journey-5-purchases")

    page.get_by_role("link", name="Integrations").click()
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Regenerate secret").click()
    expect(card).to_contain_text("New signing secret")
    new_secret = page.locator("#integration-custom-secret").inner_text().strip()
    assert new_secret != secret
    assert send_purchase(webhook_url, secret, "order-2")[0] == 401
    assert send_purchase(webhook_url, new_secret, "order-2") == (200, {"status": "accepted"})
    screenshot(page, "journey-6-regenerated")
