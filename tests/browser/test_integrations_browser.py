"""The integration card in a real browser: connect, secret shown, polling flips it to Connected."""
import json
import urllib.request

from playwright.sync_api import expect

from providers import custom
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD
from tests.live import thread_server


def test_card_flips_to_connected_without_a_reload(app, owner, server, page):
    with thread_server(app) as base:
        page.route("https://unpkg.com/**", lambda route: route.abort())  # offline: vendored htmx
        page.goto(base + "/login")
        page.fill("input[name=email]", OWNER_EMAIL)
        page.fill("input[name=password]", OWNER_PASSWORD)
        page.click("button:has-text('Log in')")
        page.goto(f"{base}/servers/{server.id}/integrations/")
        page.evaluate("window.notReloaded = true")

        page.click("#integration-custom button:has-text('Connect')")
        secret_box = page.locator("#integration-custom-secret")
        expect(secret_box).to_be_visible()
        secret = secret_box.inner_text().strip()
        expect(page.locator("#integration-custom")).to_contain_text("Waiting for the first delivery…")

        body = json.dumps({"transaction_id": "b-1", "username": "Steve", "amount": 2}).encode()
        request = urllib.request.Request(
            f"{base}/api/webhooks/custom?projectId={server.project_id}", data=body,
            headers={"X-Signature": custom.sign(body, secret), "Content-Type": "application/json"})
        assert json.load(urllib.request.urlopen(request)) == {"status": "accepted"}

        expect(page.locator("#integration-custom .badge-ok")).to_have_text("Connected", timeout=8000)
        assert page.evaluate("window.notReloaded") is True
        expect(secret_box).to_have_text(secret)  # the one-time secret is still there to copy
        assert page.locator("#integration-custom-body[hx-trigger]").count() == 0  # polling stopped

        # Regenerate asks first; dismissing sends nothing, accepting shows a new secret once.
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.click("#integration-custom button:has-text('Regenerate secret')")
        page.wait_for_timeout(500)
        expect(secret_box).to_have_text(secret)
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#integration-custom button:has-text('Regenerate secret')")
        expect(page.locator("#integration-custom")).to_contain_text("New signing secret")
        assert page.locator("#integration-custom-secret").inner_text().strip() != secret
        assert page.evaluate("window.notReloaded") is True
