"""Every page of the authorization walk's route list, as the owner of a `flask demo` Network,
on a laptop (1280 × 800) and a phone (390 × 844). On every page:

- nothing scrolls sideways: document.documentElement.scrollWidth <= the viewport's width;
- axe-core (vendored in tests/browser/vendor/, so no network is needed) reports no serious
  or critical violation;
- the console shows no error, except the htmx CDN being unreachable offline;
- on the phone, every button, field, menu, tab and pager link is at least 44 px high.

Screenshots of the home, the revenue overview, the purchase list and the integrations page
at both sizes land in screenshots/walk-<size>-<page>.png; the home and the overview are then
opened again with a display currency set (walk-<size>-*-converted.png).
"""
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.walk import demo_ids, demo_tally, is_offline_cdn, log_in, page_urls, route_map

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SIZES = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SERIOUS = ("serious", "critical")
# Controls a thumb must hit on a phone (links inside running text are exempt, as in WCAG).
TAP_TARGETS = """() => Array.from(document.querySelectorAll(
    'button, select, summary, input:not([type=hidden]):not([type=checkbox]):not([type=radio]),'
    + ' .menu a, .tabs a, .pager a'))
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => [el.outerHTML.slice(0, 80), Math.round(el.getBoundingClientRect().height)])
  .filter(([, height]) => height < 44)"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tally = demo_tally(tmp_path_factory.mktemp("walk") / "instance")
    yield tally
    tally.stop()


def axe_problems(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"axe {v['impact']} {v['id']}: {v['help']} at "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in SERIOUS]


def screenshots_of(ids: dict) -> dict[str, str]:
    n, s = ids["network_id"], ids["server_id"]
    return {f"/networks/{n}/home": "home", f"/networks/{n}/revenue": "revenue-overview",
            f"/networks/{n}/revenue/purchases": "purchase-list",
            f"/servers/{s}/integrations": "integrations"}


@contextmanager
def display_currency(tally, currency: str, rates: dict[str, str]):
    """The demo Network with a display currency and rates, for as long as the block runs."""
    from decimal import Decimal

    from extensions import db
    from ledger import exchange_rates
    from models import Network

    app = tally.app()

    def set_to(value, rates):
        with app.app_context():
            network = db.session.get(Network, demo_ids(tally)["network_id"])
            exchange_rates.set_display_currency(network, value)
            for code, rate in rates.items():
                if rate is None:
                    exchange_rates.delete_rate(network.id, code)
                else:
                    exchange_rates.set_rate(network.id, code, Decimal(rate))
            db.session.commit()
            db.session.remove()

    set_to(currency, rates)
    try:
        yield
    finally:
        set_to(None, dict.fromkeys(rates))


class Walker:
    """Opens pages at one size and collects what is wrong with each."""

    def __init__(self, page, base: str, size: str):
        self.page, self.base, self.size = page, base, size
        self.console, self.problems = [], {}
        page.on("console", lambda m: self.console.append(f"console {m.type}: {m.text}")
                if m.type == "error" and not is_offline_cdn(m.location.get("url")) else None)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))

    def visit(self, url: str, shot: str | None = None) -> None:
        page, width = self.page, SIZES[self.size]["width"]
        self.console.clear()
        page.goto(self.base + url)
        page.wait_for_load_state("networkidle")
        found = list(self.console)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            found.append(f"scrolls sideways: {scroll_width} px wide")
        found += axe_problems(page)
        if self.size == "phone":
            found += [f"tap target {height} px high: {html}"
                      for html, height in page.evaluate(TAP_TARGETS)]
        if found:
            self.problems[url] = found
        if shot:
            screenshot(page, f"walk-{self.size}-{shot}")


@pytest.mark.parametrize("size", SIZES)
def test_every_page_fits_is_accessible_and_has_a_clean_console(browser, demo, size, figure):
    # axe is injected as an inline script, which Tally's CSP forbids: bypass it for the test.
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    ids = demo_ids(demo)
    urls = page_urls(route_map(demo), ids)
    shots = screenshots_of(ids)
    walker = Walker(page, demo.url, size)
    try:
        log_in(page, demo.url)
        for url in urls:
            walker.visit(url, shots.get(url))
        # Again with a display currency and every rate: the converted total, chart series
        # and breakdown column lead.
        with display_currency(demo, "EUR", {"USD": "0.92", "RUB": "0.0098", "GBP": "1.17"}):
            n, s = ids["network_id"], ids["server_id"]
            walker.visit(f"/networks/{n}/home", "home-converted")
            walker.visit(f"/networks/{n}/revenue", "revenue-overview-converted")
            page.get_by_text("Figures per currency").click()  # the detail opens on demand
            expect(page.locator('[data-currency="GBP"]')).to_be_visible()
            expect(page.locator("figure.chart figcaption")).to_contain_text("every currency in EUR")
            walker.visit(f"/servers/{s}/revenue")
    finally:
        context.close()
    problems = walker.problems
    assert not problems, "\n".join(f"{url}: {p}" for url, found in problems.items() for p in found)
    figure(f"page walk at {size} size: {len(urls)} pages fit, no serious axe violation")
