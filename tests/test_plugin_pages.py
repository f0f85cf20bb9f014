"""The Server page's Install the plugin panel, the jar download and the Game server log."""
import pytest

URL = "http://tally.test"


@pytest.fixture
def jar(app, tmp_path):
    """Where the app looks for plugin/dist/tally.jar; not built until the test writes it."""
    path = tmp_path / "dist" / "tally.jar"
    app.config["PLUGIN_JAR"] = str(path)
    return path


def api(client, server, url, body):
    return client.post(url, json=body, headers={"Authorization": f"Bearer {server.api_key}"})


def test_the_panel_has_the_config_to_paste_without_the_key(logged_in, server, jar):
    page = logged_in.get(f"/servers/{server.id}").get_data(as_text=True)
    assert "Install the plugin" in page
    assert f"url: {URL}\nkey: &lt;your plugin key&gt;</pre>" in page
    assert server.api_key not in page
    assert "run <code>plugin/build</code>" in page and "/plugin/tally.jar" not in page


def test_the_panel_links_the_jar_once_built(logged_in, server, jar):
    jar.parent.mkdir()
    jar.write_bytes(b"PK\x03\x04 a jar")
    page = logged_in.get(f"/servers/{server.id}").get_data(as_text=True)
    assert 'href="/plugin/tally.jar"' in page and "plugin/build" not in page
    response = logged_in.get("/plugin/tally.jar")
    assert response.status_code == 200 and response.data == b"PK\x03\x04 a jar"
    assert response.mimetype == "application/java-archive"
    assert "attachment; filename=tally.jar" in response.headers["Content-Disposition"]


def test_the_jar_needs_a_login_and_a_build(client, logged_in, jar):
    assert logged_in.get("/plugin/tally.jar").status_code == 404
    jar.parent.mkdir()
    jar.write_bytes(b"jar")
    logged_in.post("/logout")
    response = client.get("/plugin/tally.jar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_key_page_shows_the_config_with_the_key_once(logged_in, server):
    page = logged_in.post(f"/servers/{server.id}/key").get_data(as_text=True)
    key = page.split('id="plugin-key">')[1].split("<")[0]
    assert key.startswith("tly_") and f"url: {URL}\nkey: {key}</pre>" in page
    assert key not in logged_in.get(f"/servers/{server.id}").get_data(as_text=True)


def test_live_status_shows_the_last_join_and_purchase(client, logged_in, server):
    empty = logged_in.get(f"/servers/{server.id}/plugin/status").get_data(as_text=True)
    assert empty.count("—") == 2 and ">0<" in empty
    api(client, server, "/api/v1/players/join", [{"username": "Steve"}, {"username": "Alex"}])
    api(client, server, "/api/v1/purchases", {"transaction_id": "tx-9", "username": "Steve",
                                              "amount": 4.5, "currency": "EUR"})
    status = logged_in.get(f"/servers/{server.id}/plugin/status").get_data(as_text=True)
    assert ">2<" in status and "4.50 EUR" in status and "tx-9" in status and "Steve" in status
    assert " UTC</time>" in status


def test_game_server_calls_are_listed_with_their_reasons(client, logged_in, server):
    api(client, server, "/api/v1/purchases", {"transaction_id": "tx-1", "username": "Steve",
                                              "amount": "1"})
    api(client, server, "/api/v1/refunds", {"transaction_id": "missing"})
    page = logged_in.get(f"/servers/{server.id}/plugin/calls").get_data(as_text=True)
    assert "Game server calls on Lobby" in page and "2 in all" in page
    assert "amount must be a number" in page
    assert "no purchase &#39;missing&#39; from store &#39;command&#39; on this Server" in page


def test_another_networks_server_is_404(logged_in, other_network):
    for path in ("plugin/status", "plugin/calls"):
        assert logged_in.get(f"/servers/{other_network.server_id}/{path}").status_code == 404


def test_plugin_purchases_show_on_the_revenue_pages_under_their_store(client, logged_in, server):
    api(client, server, "/api/v1/purchases", {"transaction_id": "tx-5", "username": "Steve",
                                              "amount": 12, "currency": "USD", "coupon": "NONE"})
    api(client, server, "/api/v1/refunds", {"transaction_id": "tx-5", "amount": 2})
    overview = logged_in.get(f"/servers/{server.id}/revenue?by=store").get_data(as_text=True)
    assert "command" in overview and "12.00 USD" in overview
    listing = logged_in.get(f"/servers/{server.id}/revenue/purchases?store=command")
    row = listing.get_data(as_text=True).split("<tbody>")[1]
    assert "Unmatched</span> Steve" in row and "12.00" in row and "−2.00" in row and ">command<" in row
