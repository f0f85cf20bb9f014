"""A new owner's first minutes, in a real browser with no internet (vendored htmx)."""
from tests.browser.conftest import screenshot


def test_owner_signs_up_and_creates_a_network(page, live_tally):
    page.goto(live_tally.url)
    page.get_by_role("heading", name="Create the owner account").wait_for()
    page.get_by_label("Email").fill("owner@example.net")
    page.get_by_label("Password", exact=True).fill("a long owner password")
    page.get_by_label("Repeat password").fill("a long owner password")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Networks").wait_for()
    assert page.evaluate("typeof window.htmx") == "object"  # the vendored copy loaded
    page.get_by_label("Name").fill("Block Party")
    page.get_by_role("button", name="Create Network").click()
    page.get_by_role("heading", name="Block Party").wait_for()
    screenshot(page, "first-run-network")
