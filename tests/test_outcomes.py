"""What a Campaign's players did afterwards (ledger.outcomes): first purchase, first day back,
the buyers and came-back counts on their first day, and the cohort net. Whatever order joins,
purchases, refunds, links and unlinks come in, what is kept equals a rebuild from the raw rows
and a count made here."""
from collections import Counter
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from ledger import activity, campaigns
from ledger.corrections import apply_reversal, link_purchase, unlink_purchase
from ledger.players import record_joins
from ledger.purchases import find_player, record_purchase
from ledger.servers import create_server
from models import ActivityDay, CohortMonth, Network, Player
from providers.plugin_api import parse_joins
from tests.revenue_data import event

START = datetime(2026, 1, 30, 9, tzinfo=timezone.utc)
NAMES = ["Ann", "Bob", "Cid"]


def at(hours: int) -> datetime:
    return START + timedelta(hours=hours)


def kept(server_id: int) -> dict:
    """Everything ledger.outcomes keeps for the Server, comparable."""
    players = db.session.execute(select(Player.username_key, Player.seconds_to_purchase,
                                        Player.came_back_on).filter_by(server_id=server_id)
                                 .order_by(Player.id)).all()
    days = {(r.server_id, r.day, r.campaign_id): (r.buyers, r.came_back) for r in
            db.session.scalars(select(ActivityDay).filter_by(server_id=server_id))
            if r.buyers or r.came_back}
    cohorts = {(r.server_id, r.campaign_id, r.month, r.paid_month, r.currency): r.net_minor
               for r in db.session.scalars(select(CohortMonth).filter_by(server_id=server_id))
               if r.net_minor}
    return {"players": [tuple(p) for p in players], "days": days, "cohorts": cohorts}


STEPS = st.lists(st.one_of(
    st.tuples(st.just("join"), st.sampled_from(NAMES), st.sampled_from([None, "a.example.net"])),
    st.tuples(st.just("buy"), st.sampled_from(NAMES + ["ann"]), st.sampled_from([100, 250])),
    st.tuples(st.just("refund"), st.integers(0, 5), st.just(50)),
    st.tuples(st.just("unlink"), st.integers(0, 5), st.none()),
    st.tuples(st.just("link"), st.integers(0, 5), st.none())), min_size=1, max_size=14)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS, spacing=st.sampled_from([7, 17, 400]))
def test_what_is_kept_equals_a_rebuild_and_a_count(app, network, steps, spacing):
    """Steps ``spacing`` hours apart (400: across months). Purchases made before a player's
    first join are re-matched when they join."""
    with app.app_context():
        server, _ = create_server(db.session.get(Network, network), "Hub")
        if not campaigns.campaigns_of(db.session.get(Network, network)):
            campaigns.create_campaign(db.session.get(Network, network), "A", ["a.example.net"])
        purchases = []
        for number, (kind, what, detail) in enumerate(steps):
            _step(server, purchases, kind, what, detail, at(number * spacing), number)
        db.session.commit()
        before = kept(server.id)
        assert before["days"] == _count_by_hand(server)
        activity.rebuild_activity(network)
        assert kept(server.id) == before
        db.session.rollback()


def _step(server, purchases, kind, what, detail, when, number):
    if kind == "join":
        record_joins(server, parse_joins({"username": what, "hostname": detail}), now=when)
    elif kind == "buy":
        purchase, _ = record_purchase(server, "tebex", event(
            f"t{number}", what, detail, "USD" if number % 2 else "EUR", [("VIP", 1, detail)],
            when))
        purchases.append(purchase)
    elif what < len(purchases):
        purchase = purchases[what]
        if kind == "refund" and purchase.reversed_minor + detail <= purchase.amount_minor:
            apply_reversal(purchase, "refund", detail, reason="test")
        elif kind == "unlink" and purchase.player_id is not None:
            unlink_purchase(purchase, user_id=None)
        elif kind == "link" and purchase.player_id is None:
            player = find_player(server.id, purchase.username)
            if player is not None:
                link_purchase(purchase, player, user_id=None)
    db.session.flush()


def _count_by_hand(server) -> dict:
    """(buyers, came back) on each player's first day, from players, purchases and presence."""
    from models import PlayerDay, Purchase

    counts: dict[tuple, Counter] = {}
    for player in db.session.scalars(select(Player).filter_by(server_id=server.id)):
        first = player.first_seen.date()
        key = (server.id, first, player.campaign_id or 0)
        bought = db.session.scalar(select(Purchase.id).filter_by(player_id=player.id).limit(1))
        back = db.session.scalar(select(PlayerDay.day).where(
            PlayerDay.player_id == player.id, PlayerDay.day > first).limit(1))
        counts.setdefault(key, Counter()).update(buyers=bought is not None,
                                                 back=back is not None)
    return {key: (c["buyers"], c["back"]) for key, c in counts.items() if c["buyers"] or c["back"]}
