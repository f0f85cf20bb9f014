"""The EnderPay, Tebex and Donation Store cards on the integrations page: connect and settings."""
import runtime
from ledger import integrations


def page(server):
    return f"/servers/{server.id}/integrations"


def test_enderpay_connect_shows_the_token_url_once(app, logged_in, server):
    html = logged_in.post(f"{page(server)}/enderpay/connect", data={"currency": "EUR"}).get_data(True)
    with app.app_context():
        integration = integrations.find(server.id, "enderpay")
        token = runtime.secret_box().decrypt(integration.secret_encrypted)
        assert integration.settings == {"currency": "EUR"}
    assert f"projectId={server.project_id}&amp;token={token}" in html
    assert token not in logged_in.get(page(server)).get_data(True)  # never shown again


def test_pasted_secret_stores_need_the_secret(app, logged_in, server):
    short = logged_in.post(f"{page(server)}/tebex/connect", data={"secret": "short"})
    assert short.status_code == 400 and b"at least 16" in short.data
    pasted = "tebex-secret-from-the-panel-1234"
    html = logged_in.post(f"{page(server)}/tebex/connect", data={"secret": pasted}).get_data(True)
    assert "Secret saved" in html and pasted not in html  # the owner already has it
    with app.app_context():
        assert runtime.secret_box().decrypt(integrations.find(server.id,
                                                              "tebex").secret_encrypted) == pasted


def test_donationstore_verification_settings(app, logged_in, server):
    logged_in.post(f"{page(server)}/donationstore/connect", data={"secret": "d" * 20})
    response = logged_in.post(f"{page(server)}/donationstore/settings", data={
        "verify_rule": "blocklist", "verify_blocklist": "Griefer\nTroll",
        "verify_message": "Not you."})
    assert response.status_code == 200
    with app.app_context():
        settings = integrations.find(server.id, "donationstore").settings
    assert settings == {"verify_rule": "blocklist", "verify_blocklist": ["Griefer", "Troll"],
                        "verify_message": "Not you."}
    html = logged_in.get(page(server)).get_data(True)
    assert 'value="blocklist" checked' in html and "Griefer" in html
    bad = logged_in.post(f"{page(server)}/donationstore/settings", data={"verify_rule": "nobody"})
    assert bad.status_code == 400

