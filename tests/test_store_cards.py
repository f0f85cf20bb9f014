"""The integration cards render, before and after connecting (the page wires them at merge)."""
import pytest
from flask import render_template

import providers
from extensions import db
from ledger import integrations
from models import Server
from tests.store_helpers import connect


@pytest.mark.parametrize("name", ["enderpay", "tebex", "donationstore"])
def test_cards_render(app, server, name):
    store = providers.get(name)
    assert store.TITLE and store.SECRET_SOURCE in ("generated", "pasted")
    with app.test_request_context():
        srv = db.session.get(Server, server.id)
        before = render_template(f"integrations/cards/{name}.html", server=srv, integration=None,
                                 store=store, connect_url="/connect")
        assert store.TITLE in before
        assert (f"projectId={srv.project_id}" in before) is (name != "enderpay")  # token URL comes later
    secret = connect(app, server.id, name, secret=None if store.SECRET_SOURCE == "generated" else "s" * 20,
                     settings={"verify_rule": "joined", "verify_blocklist": ["griefer"]})
    with app.test_request_context():
        srv = db.session.get(Server, server.id)
        after = render_template(f"integrations/cards/{name}.html", server=srv, store=store,
                                integration=integrations.find(server.id, name), secret=secret,
                                settings_url="/settings")
        assert f"projectId={srv.project_id}" in after
        if name == "enderpay":
            assert f"token={secret}" in after and 'name="currency"' in after
        if name == "donationstore":
            assert 'value="joined" checked' in after and "griefer" in after
