"""ledger.purchases: the ORM and the hot-path recorders attribute alike and record once."""
from datetime import datetime, timezone

import pytest

from events import Item, PurchaseEvent
from extensions import db
from ledger import purchases
from models import Campaign, Creator, Player, Purchase, Server
from models.base import fold


def event(tx, username="steve", coupon=None):
    return PurchaseEvent(transaction_id=tx, username=username, amount_minor=500, currency="EUR",
                         items=(Item("Kit", 2, 400), Item("Key", 1, 100)),
                         purchased_at=datetime(2026, 1, 2, tzinfo=timezone.utc), coupon=coupon,
                         extra={"gateway": "paypal"})


@pytest.mark.parametrize("how", ["record_purchase", "insert_purchase"])
def test_both_recorders(app, server, how):
    with app.app_context():
        srv = db.session.get(Server, server.id)
        campaign = Campaign(network_id=server.network_id, name="Ads")
        db.session.add(campaign)
        db.session.flush()
        db.session.add_all([
            Player(server_id=srv.id, username="Steve", username_key=fold("Steve"), campaign_id=campaign.id),
            Creator(network_id=server.network_id, name="Alex", code="Alex10", code_key=fold("Alex10"))])
        db.session.flush()

        def record(e):
            if how == "record_purchase":
                return purchases.record_purchase(srv, "custom", e)[1]
            return purchases.insert_purchase(srv, "custom", e) is not None

        assert record(event("t-1", coupon="ALEX10")) is True
        assert record(event("t-1", username="other")) is False
        assert record(event("t-2", username="nobody", coupon="nope")) is True
        db.session.commit()
        first, second = db.session.scalars(db.select(Purchase).order_by(Purchase.id)).all()
        assert (first.player_id is not None, first.campaign_id, first.creator_id is not None) == \
            (True, campaign.id, True)
        assert [(i.name, i.quantity, i.total_minor) for i in first.items] == [("Kit", 2, 400), ("Key", 1, 100)]
        assert (first.amount_minor, first.currency, first.extra) == (500, "EUR", {"gateway": "paypal"})
        assert first.purchased_at == datetime(2026, 1, 2, tzinfo=timezone.utc)
        assert (second.player_id, second.campaign_id, second.creator_id) == (None, None, None)
