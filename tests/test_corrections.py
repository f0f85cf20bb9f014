"""Corrections: refunds, chargebacks, link and unlink; audit trail; rollups stay exact."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from ledger import rollups
from ledger.corrections import CorrectionError, apply_reversal, link_purchase, unlink_purchase
from ledger.purchases import record_purchase, rematch_unmatched
from models import Adjustment, Buyer, BuyerDay, ItemDay, Purchase, RevenueDay, Server
from tests.revenue_data import add_player, event


def _purchase(server_id, tx="a1", username="Steve", amount=1000, when=None):
    srv = db.session.get(Server, server_id)
    p, _ = record_purchase(srv, "tebex", event(tx, username, amount, "USD", [("VIP", 1, amount)],
                                               when or datetime.now(timezone.utc)))
    db.session.commit()
    return p


def snapshot():
    """Every non-empty rollup row, without ids."""
    def rows(model, skip):
        columns = [c for c in model.__table__.columns if c.name != "id"]
        result = set()
        for row in db.session.execute(select(*columns)):
            values = dict(zip((c.name for c in columns), row))
            if not all(values[name] == 0 for name in skip):
                result.add(tuple(sorted(values.items())))
        return result

    return (rows(RevenueDay, ("purchases", "gross_minor", "refunded_minor", "chargeback_minor")),
            rows(ItemDay, ("purchases",)), rows(Buyer, ()), rows(BuyerDay, ("buyers",)))


def assert_rollups_exact():
    incremental = snapshot()
    rollups.rebuild_rollups()
    assert snapshot() == incremental
    db.session.rollback()


def test_partial_refunds_then_chargeback_of_the_rest(app, server):
    with app.app_context():
        p = _purchase(server.id)
        a, created = apply_reversal(p, "refund", 300, user_id=None, reason="too much")
        assert created and a.amount_minor == 300 and p.reversed_minor == 300
        b, _ = apply_reversal(p, "chargeback", None, external_id="cb1")
        assert b.amount_minor == 700 and p.reversed_minor == 1000 and p.amount_minor == 1000
        with pytest.raises(CorrectionError, match="already fully"):
            apply_reversal(p, "refund", None)
        with pytest.raises(CorrectionError, match="exceeds"):
            apply_reversal(p, "refund", 1)
        db.session.commit()
        assert_rollups_exact()


def test_reversal_cannot_exceed_amount(app, server):
    with app.app_context():
        p = _purchase(server.id)
        with pytest.raises(CorrectionError, match="exceeds the 1000"):
            apply_reversal(p, "refund", 1001)
        for bad in (0, -5, "5", 1.5, True):
            with pytest.raises(CorrectionError):
                apply_reversal(p, "refund", bad)
        with pytest.raises(CorrectionError, match="unknown"):
            apply_reversal(p, "link", 5)
        assert p.reversed_minor == 0


def test_store_reversals_are_idempotent(app, server):
    with app.app_context():
        p = _purchase(server.id)
        first, created = apply_reversal(p, "refund", 400, external_id="re_1")
        again, created_again = apply_reversal(p, "refund", 400, external_id="re_1")
        assert created and not created_again and again.id == first.id
        other, created_other = apply_reversal(p, "chargeback", 400, external_id="re_1")
        assert created_other and other.id != first.id
        db.session.commit()
        assert db.session.get(Purchase, p.id).reversed_minor == 800
        assert_rollups_exact()


def test_link_and_unlink_keep_history(app, server, owner):
    with app.app_context():
        p = _purchase(server.id, username="Ghost")
        assert p.player_id is None
        from models import Campaign
        campaign = Campaign(network_id=server.network_id, name="Ads")
        db.session.add(campaign)
        db.session.flush()
        player = add_player(server.id, "GhostTwo", campaign.id)
        link_purchase(p, player, user_id=owner, reason="same person, typo")
        assert p.player_id == player.id and p.campaign_id == campaign.id
        with pytest.raises(CorrectionError, match="already linked"):
            link_purchase(p, player, user_id=owner)
        unlink_purchase(p, user_id=owner, reason="wrong person")
        assert p.player_id is None and p.campaign_id is None
        with pytest.raises(CorrectionError, match="not linked"):
            unlink_purchase(p, user_id=owner)
        db.session.commit()
        kinds = [(a.kind, a.user_id, a.reason) for a in db.session.get(Purchase, p.id).adjustments]
        assert kinds == [("link", owner, "same person, typo"), ("unlink", owner, "wrong person")]
        assert_rollups_exact()


def test_link_needs_a_player_of_the_same_server(app, server, other_network):
    with app.app_context():
        p = _purchase(server.id, username="Ghost")
        stranger = add_player(other_network.server_id, "Ghost")
        with pytest.raises(CorrectionError, match="not on this purchase's server"):
            link_purchase(p, stranger, user_id=None)


def test_corrections_over_http(app, logged_in, server, owner):
    with app.app_context():
        p = _purchase(server.id, username="Ghost")
        add_player(server.id, "Casper")
        db.session.commit()
        pid = p.id
    url = f"/purchases/{pid}"
    response = logged_in.post(url + "/reversals", data={"kind": "refund", "amount": "2.50",
                                                        "reason": "partial"})
    assert response.status_code == 302
    too_much = logged_in.post(url + "/reversals", data={"kind": "chargeback", "amount": "7.51",
                                                        "reason": "x"})
    assert too_much.status_code == 400 and b"exceeds the 750" in too_much.data
    fraction = logged_in.post(url + "/reversals", data={"kind": "refund", "amount": "0.001",
                                                        "reason": "x"})
    assert fraction.status_code == 400 and b"decimal places" in fraction.data
    no_reason = logged_in.post(url + "/reversals", data={"kind": "refund", "amount": "1"})
    assert no_reason.status_code == 400
    unknown = logged_in.post(url + "/link", data={"username": "Nobody", "reason": "x"})
    assert unknown.status_code == 400 and b"No player with that name" in unknown.data
    linked = logged_in.post(url + "/link", data={"username": "casper", "reason": "alt"})
    assert linked.status_code == 302
    html = logged_in.get(url).get_data(as_text=True)
    assert "owner@example.com" in html and "partial" in html and "Casper" in html
    assert 'data-figure="net">7.50 USD<' in html and 'data-figure="amount">10.00 USD<' in html
    assert logged_in.post(url + "/unlink", data={"reason": "oops"}).status_code == 302
    with app.app_context():
        adjustments = db.session.scalars(select(Adjustment).filter_by(purchase_id=pid)
                                         .order_by(Adjustment.id)).all()
        assert [(a.kind, a.amount_minor, a.user_id) for a in adjustments] == [
            ("refund", 250, owner), ("link", 0, owner), ("unlink", 0, owner)]
        assert_rollups_exact()


def test_rematch_moves_rollups(app, server):
    with app.app_context():
        p = _purchase(server.id, username="Late")
        apply_reversal(p, "refund", 100)
        db.session.commit()
        player = add_player(server.id, "late")
        assert rematch_unmatched(player) == 1
        db.session.commit()
        assert_rollups_exact()


operations = st.lists(st.tuples(
    st.sampled_from(["buy", "refund", "chargeback", "link", "unlink", "join"]),
    st.integers(0, 5), st.integers(1, 1500), st.integers(0, 3)), min_size=1, max_size=12)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_rollups_equal_recomputation(app, server, ops):
    """After any sequence of purchases and corrections, rollups equal a from-scratch rebuild."""
    names = ["Ann", "Bob", "Cid", "Dee", "Eve", "Fay"]
    with app.app_context():
        srv = db.session.get(Server, server.id)
        base = datetime(2024, 1, 1, tzinfo=timezone.utc)
        for op, who, amount, day in ops:
            purchases = db.session.scalars(select(Purchase).order_by(Purchase.id)).all()
            target = purchases[who % len(purchases)] if purchases else None
            if op == "buy" or target is None:
                n = db.session.query(Purchase).count()
                record_purchase(srv, ["tebex", "custom"][day % 2], event(
                    f"h{n}", names[who], amount, ["USD", "EUR"][who % 2],
                    [("Item", 1, amount)], base + timedelta(days=day), coupon=None))
            elif op in ("refund", "chargeback"):
                try:
                    apply_reversal(target, op, min(amount, target.net_minor) or None,
                                   external_id=f"x{amount % 3}")
                except CorrectionError:
                    pass
            elif op == "join":
                key = names[who].casefold()
                from ledger.purchases import find_player
                if find_player(srv.id, key) is None:
                    rematch_unmatched(add_player(srv.id, names[who]))
            else:
                player = find_any_player(srv.id)
                try:
                    if op == "link" and player:
                        link_purchase(target, player, user_id=None)
                    elif op == "unlink":
                        unlink_purchase(target, user_id=None)
                except CorrectionError:
                    pass
            db.session.commit()
            if target is not None:
                assert 0 <= target.reversed_minor <= target.amount_minor
        assert_rollups_exact()


def find_any_player(server_id):
    from models import Player
    return db.session.scalars(select(Player).filter_by(server_id=server_id)).first()


def test_deleting_a_campaign_creator_or_server_keeps_rollups_exact(app, server):
    from ledger import campaigns, jobs
    from ledger.servers import delete_server
    from models import Network

    with app.app_context():
        network = db.session.get(Network, server.network_id)
        camp = campaigns.create_campaign(network, "YouTube", ["yt.example.net"], None)
        creator = campaigns.create_creator(network, "Alex", "ALEX")
        player = add_player(server.id, "Steve", camp.id)
        srv = db.session.get(Server, server.id)
        p, _ = record_purchase(srv, "tebex", event("d1", "Steve", 500, "USD", [("VIP", 1, 500)],
                                                  datetime.now(timezone.utc), coupon="ALEX"))
        apply_reversal(p, "refund", 100)
        db.session.commit()
        assert (p.player_id, p.campaign_id, p.creator_id) == (player.id, camp.id, creator.id)
        campaigns.delete(camp)
        campaigns.delete(creator)
        db.session.commit()
        assert jobs.pending(jobs.RECOUNT, server.network_id)  # one recount job, not two
        assert jobs.run_due() == 1  # what the worker does next
        db.session.commit()
        assert not jobs.pending(jobs.RECOUNT, server.network_id)
        assert_rollups_exact()
        assert db.session.scalars(select(RevenueDay.ref_id).distinct()).all() != []
        assert {r for r in db.session.scalars(select(RevenueDay.ref_id))} <= {0, 1}
        delete_server(db.session.get(Server, server.id))
        db.session.commit()
        jobs.run_due()
        db.session.commit()
        assert db.session.scalar(select(db.func.count(RevenueDay.id))) == 0
        assert db.session.scalar(select(db.func.count(Buyer.id))) == 0
