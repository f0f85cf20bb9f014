"""Store visits for the Revenue page, and per-store settings."""
from datetime import datetime, timedelta, timezone

import pytest

from extensions import db
from ledger import integrations
from ledger.store_events import record_activity, visit_stats
from models import Server
from providers.base import StoreActivityEvent
from tests.store_helpers import connect

T = datetime(2024, 6, 1, tzinfo=timezone.utc)


def test_visit_stats_by_server_network_and_store(app, server, other_network):
    with app.app_context():
        mine, theirs = db.session.get(Server, server.id), db.session.get(Server, other_network.server_id)
        for store, srv, name, minutes in [("enderpay", mine, "Alex", 1), ("enderpay", mine, "alex", 2),
                                          ("donationstore", mine, "Steve", 3),
                                          ("enderpay", theirs, "Herobrine", 4),
                                          ("enderpay", mine, "Late", 60 * 24 * 40)]:
            record_activity(srv, store, StoreActivityEvent("visit", T + timedelta(minutes=minutes),
                                                           username=name))
        record_activity(mine, "enderpay", StoreActivityEvent("reward", T, username="Alex"))
        db.session.commit()
        june = (T, T + timedelta(days=30))
        stats = visit_stats(*june, server_id=server.id)
        assert (stats.visits, stats.visitors, stats.buyers) == (3, 2, 0)
        assert stats.visitors_to_buyers == 0
        assert visit_stats(*june, network_id=server.network_id, store="enderpay").visits == 2
        assert visit_stats(*june, network_id=other_network.id).visitors == 1
        with pytest.raises(ValueError):
            visit_stats(*june)


def test_enderpay_currency_setting(app, server):
    connect(app, server.id, "enderpay")
    connect(app, server.id, "tebex", secret="pasted")
    with app.app_context():
        enderpay = integrations.find(server.id, "enderpay")
        assert integrations.update_settings(enderpay, {"currency": "gbp"}) == {"currency": "GBP"}
        with pytest.raises(integrations.IntegrationError, match="currency"):
            integrations.update_settings(enderpay, {"currency": "pounds"})
        with pytest.raises(integrations.IntegrationError, match="no settings"):
            integrations.update_settings(integrations.find(server.id, "tebex"), {})
