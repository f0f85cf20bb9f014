"""The navigation on a phone (390 × 844) folds behind a Menu button that a keyboard can open;
on a laptop it is shown whole, after a skip link. The Network › Server context stays visible."""
from playwright.sync_api import expect

from tests.browser.test_page_walk import axe_problems
from tests.browser.walk import demo_ids, demo_tally, log_in


def test_menu_folds_on_a_phone_and_not_on_a_laptop(browser, tmp_path):
    tally = demo_tally(tmp_path / "instance")
    try:
        server_id = demo_ids(tally)["server_id"]
        phone = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
        page = phone.new_page()
        log_in(page, tally.url)
        page.goto(f"{tally.url}/servers/{server_id}/players")
        context = page.get_by_role("navigation", name="Where you are")
        expect(context).to_contain_text("Demo Network")
        expect(context.get_by_role("link")).to_have_count(2)  # Network › Server
        expect(context.get_by_role("link").last).to_contain_text("Server")
        menu = page.locator("#site-menu")
        toggle = page.get_by_role("button", name="Menu")
        expect(menu).to_be_hidden()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        players = page.get_by_role("navigation", name="Server").get_by_role("link", name="Players")
        expect(players).to_be_visible()
        expect(players).to_have_attribute("aria-current", "page")
        assert players.bounding_box()["height"] >= 44
        assert axe_problems(page) == []  # the open menu too
        page.get_by_role("navigation", name="Network").get_by_role("link", name="Revenue").click()
        page.wait_for_url("**/revenue")
        expect(page.locator("#site-menu")).to_be_hidden()  # a new page starts folded
        phone.close()

        laptop = browser.new_context(viewport={"width": 1280, "height": 800})
        page = laptop.new_page()
        log_in(page, tally.url)
        page.goto(f"{tally.url}/servers/{server_id}/players")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        page.keyboard.press("Tab")  # the first stop skips the navigation
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        expect(page.get_by_role("navigation", name="Server").get_by_role(
            "link", name="Integrations")).to_be_visible()
        laptop.close()
    finally:
        tally.stop()
