"""``flask demo`` fills a Network through the ledger; its rollups equal a rebuild."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from extensions import db
from ledger import funnel, revenue, statements
from models import ActivityDay, Adjustment, Creator, Purchase
from tests.test_activity import assert_activity_exact
from tests.test_corrections import assert_rollups_exact


def test_demo_creates_a_network_with_purchases(app, runner):
    result = runner.invoke(args=["demo", "--owner-email", "demo@example.com", "--password",
                                 "demo password long", "--purchases", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Purchase.id))) == 300
        stores = {s for (s,) in db.session.execute(select(Purchase.store).distinct())}
        assert stores == {"custom", "craftingstore", "tebex", "enderpay", "donationstore"}
        assert db.session.scalar(select(func.count(Purchase.id)).where(
            Purchase.player_id.is_(None))) > 0
        assert db.session.scalar(select(func.count(Adjustment.id))) > 0
        network_id = db.session.scalar(select(Purchase.network_id))
        assert len(revenue.headline(revenue.Scope(network_id))) >= 3
        assert_rollups_exact()
        assert_activity_exact(network_id)
        rows = funnel.comparison(revenue.Scope(network_id), datetime.now(timezone.utc).date())
        campaigns = [row for row in rows if row.campaign_id]
        assert len(campaigns) == 5 and all(row.cost.get("EUR") for row in campaigns)
        assert sum(row.new_players for row in rows) > 0
        assert sum(row.returning_players for row in rows) > 0
        assert db.session.scalar(select(func.count(ActivityDay.id))) > 10
        owed = {}  # every creator has a rate, and some are owed something
        for creator in db.session.scalars(select(Creator)):
            assert statements.rates(creator.id)
            owed[creator.name] = sum(line.total for s in statements.statements(
                creator, datetime.now(timezone.utc).date()) for line in s.lines)
        assert any(total > 0 for total in owed.values())


def test_demo_into_an_existing_network(app, runner, network):
    result = runner.invoke(args=["demo", "--network-id", str(network), "--purchases", "50"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["demo", "--network-id", "999"]).exit_code != 0
    assert runner.invoke(args=["demo"]).exit_code != 0
