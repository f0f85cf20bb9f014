"""Per-store settings, validated by the store's own module."""
import pytest

import providers
from ledger import integrations
from tests.store_helpers import connect


def test_enderpay_currency_setting(app, server):
    connect(app, server.id, "enderpay")
    connect(app, server.id, "tebex", secret="pasted")
    with app.app_context():
        enderpay = integrations.find(server.id, "enderpay")
        assert integrations.update_settings(enderpay, providers.get("enderpay"),
                                            {"currency": "gbp"}) == {"currency": "GBP"}
        with pytest.raises(integrations.IntegrationError, match="currency"):
            integrations.update_settings(enderpay, providers.get("enderpay"),
                                         {"currency": "pounds"})
        with pytest.raises(integrations.IntegrationError, match="no settings"):
            integrations.update_settings(integrations.find(server.id, "tebex"),
                                         providers.get("tebex"), {})
