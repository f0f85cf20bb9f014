"""Every page, opened in Chromium as the owner of a `flask demo` Network: a clean console.

No console error, no page error and no failed request, except the htmx CDN being
unreachable here (the vendored copy in static/ is used instead) and requests the browser
abandoned itself when the next page was opened.
"""
from tests.browser.walk import demo_ids, demo_tally, is_offline_cdn, log_in, page_urls, route_map


def test_every_page_has_a_clean_console(page, tmp_path, figure):
    tally = demo_tally(tmp_path / "instance")
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not is_offline_cdn(m.location.get("url")) else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})")
            if not is_offline_cdn(r.url) and r.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    try:
        urls = page_urls(route_map(tally), demo_ids(tally))
        page.goto(tally.url + "/login")  # before signing in, too
        log_in(page, tally.url)
        for url in urls:
            page.goto(tally.url + url)
            page.wait_for_load_state("networkidle")
            assert not problems, (url, problems)
    finally:
        tally.stop()
    figure(f"console walk: {len(urls)} pages in Chromium, no console errors")
