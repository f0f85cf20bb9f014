"""The Revenue pages in a real browser: offline htmx fallback, HTMX filters, pages, Back."""
import threading

import pytest
from werkzeug.serving import make_server

import blueprints.revenue.export
import blueprints.revenue.pages
from extensions import db
from tests import revenue_data
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, make_app


@pytest.fixture
def live(tmp_path, request, monkeypatch):
    """The app with the hand-computed data set, served on 127.0.0.1 in a thread."""
    from ledger import accounts
    from ledger.servers import create_server

    monkeypatch.setattr(blueprints.revenue.pages, "PAGE_SIZE", 2)
    app = make_app("sqlite", tmp_path, request)
    with app.app_context():
        owner = accounts.create_user(OWNER_EMAIL, OWNER_PASSWORD)
        network = accounts.create_network(owner, "Browser Network")
        lobby, _ = create_server(network, "Lobby")
        db.session.commit()
        ids = revenue_data.build(network.id, lobby.id)
        network_id = network.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", network_id, ids
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


def rows(page):
    return page.locator("#purchase-table tr[data-purchase]").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.purchase))")


def test_revenue_in_a_browser(live, page):
    base, network_id, ids = live
    page.goto(f"{base}/login")
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", OWNER_PASSWORD)
    page.click("form button")
    page.goto(f"{base}/networks/{network_id}/revenue?period=7")
    usd = page.locator('[data-currency="USD"]')
    assert usd.locator('[data-figure="net"]').inner_text() == "20.50 USD"
    assert usd.locator('[data-figure="buyers"]').inner_text() == "3"
    assert page.locator('[data-currency="EUR"] [data-figure="charged_back"]').inner_text() == \
        "20.00 EUR"
    assert page.locator("svg rect").count() >= 7
    assert page.evaluate("typeof window.htmx") == "object"  # the offline fallback loaded

    page.click("nav.tabs >> text=Purchases")
    page.wait_for_url("**/revenue/purchases**")
    assert rows(page) == [ids.p[5], ids.p[4]]
    page.select_option("select[name=store]", "tebex")  # HTMX swaps the table on change
    page.wait_for_url("**store=tebex**")
    page.wait_for_function("document.querySelectorAll('#purchase-table tr[data-purchase]')"
                           f".length === 2 && document.querySelector('#purchase-table tr')"
                           f" && !document.querySelector('tr[data-purchase=\"{ids.p[4]}\"]')")
    assert rows(page) == [ids.p[5], ids.p[2]]
    assert page.locator("h1").count() == 1  # only the table was swapped in

    page.click("text=Older →")
    page.wait_for_url("**after=**")
    page.wait_for_function(f"!!document.querySelector('tr[data-purchase=\"{ids.p[1]}\"]')")
    assert rows(page) == [ids.p[1]]
    cells = page.locator(f'tr[data-purchase="{ids.p[1]}"] td').all_inner_texts()
    assert "Steve" in cells[1] and cells[2].strip() == "10.00" and cells[3] == "USD"
    assert cells[6] == "YouTube" and cells[7] == "Alex"

    page.go_back()
    page.wait_for_function(f"!!document.querySelector('tr[data-purchase=\"{ids.p[5]}\"]')")
    assert "after=" not in page.url and "store=tebex" in page.url
    assert rows(page) == [ids.p[5], ids.p[2]]

    page.reload()  # a pushed URL is a shareable link: the full page renders
    assert rows(page) == [ids.p[5], ids.p[2]]
    assert page.locator("select[name=store]").input_value() == "tebex"
