"""Walk every registered route as a member of another Network and as a logged-out visitor.

Ids in the URL are filled with the *other* Network's objects. Any 200 that shows its
data fails; so does any change to its rows.
"""
import re

import pytest
from sqlalchemy import func, select

import runtime
from blueprints.web import PUBLIC_ENDPOINTS
from events import Item, PurchaseEvent
from extensions import db
from ledger import api_tokens, campaigns, costs, integrations, purchases, share_links
from models import (Adjustment, ApiToken, Campaign, CommissionRate, Cost, Creator, Integration,
                    Membership, Network, Player, Purchase, Server, ShareLink, StatementPayment)
from models.base import utcnow

MARKERS = [b"Foreign", b"Theirs", b"THEIRCODE", b"ForeignBuyer", b"theirs.example.net"]


@pytest.fixture
def their_network(app, other_network):
    """The other Network's Campaign (with a cost), Creator, Player, Purchase and connected
    integration."""
    from ledger.players import record_joins
    from providers.plugin_api import parse_joins

    with app.app_context():
        net = db.session.get(Network, other_network.id)
        server = db.session.get(Server, other_network.server_id)
        camp = campaigns.create_campaign(net, "Theirs", ["theirs.example.net"], "THEIRCAMP")
        cre = campaigns.create_creator(net, "Their creator", "THEIRCODE")
        record_joins(server, parse_joins({"username": "ForeignBuyer",
                                          "hostname": "theirs.example.net"}))
        integrations.connect(server, "custom", runtime.secret_box())
        purchase, _ = purchases.record_purchase(server, "custom", PurchaseEvent(
            transaction_id="foreign-1", username="ForeignBuyer", amount_minor=4200,
            currency="EUR", items=(Item("Foreign rank", 1, 4200),), purchased_at=utcnow(),
            coupon="THEIRCODE"))
        cost = costs.add_cost(camp, "42", "EUR", utcnow().date(), actor="them")
        token, _ = api_tokens.make(net.id, "Their token", None)
        link, _ = share_links.make(net.id, "creator", cre.id, True, None, None)
        db.session.commit()
        player = db.session.scalar(select(Player).filter_by(server_id=server.id))
        return {"network_id": net.id, "server_id": server.id, "campaign_id": camp.id,
                "creator_id": cre.id, "player_id": player.id, "purchase_id": purchase.id,
                "payment_id": 1, "store": "custom", "transaction_id": "foreign-1",
                "project_id": server.project_id, "cost_id": cost.id, "object_id": cre.id,
                "token_id": token.id, "link_id": link.id, "month": "2026-09"}


def _snapshot(network_id):
    """Everything of the other Network a request could change."""
    return (db.session.scalar(select(func.count(Purchase.id))),
            db.session.scalar(select(func.sum(Purchase.reversed_minor))),
            db.session.scalar(select(func.count(Adjustment.id))),
            db.session.scalar(select(func.count(Integration.id))),
            db.session.scalar(select(func.count(Membership.id)).filter_by(network_id=network_id)),
            tuple(db.session.scalars(select(Server.name).filter_by(network_id=network_id))),
            tuple(db.session.scalars(select(Campaign.name).filter_by(network_id=network_id))),
            tuple(db.session.scalars(select(Creator.code).filter_by(network_id=network_id))),
            tuple(db.session.execute(select(Cost.campaign_id, Cost.amount_minor, Cost.first_day,
                                            Cost.deleted_at).filter_by(network_id=network_id))),
            tuple(db.session.scalars(select(ApiToken.revoked_at).filter_by(network_id=network_id))),
            tuple(db.session.scalars(select(ShareLink.revoked_at).filter_by(
                network_id=network_id))),
            db.session.scalar(select(func.count(ShareLink.id))),
            db.session.scalar(select(func.count(CommissionRate.id))),
            db.session.scalar(select(func.count(StatementPayment.id))))


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, ids) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(ids.get(name, 1)), url)
    return url


def _visit(client, app, rule, method, ids, form):
    url = _url(rule, ids)
    query = {"projectId": ids["project_id"]} if rule.rule.startswith("/api/") else None
    response = client.open(url, method=method, data=form, query_string=query)
    body = response.get_data()
    if response.status_code == 200 and rule.endpoint not in PUBLIC_ENDPOINTS:
        leaked = [m.decode() for m in MARKERS if m in body]
        assert not leaked, f"{method} {url} showed {leaked}"
    return response


FORM = {"name": "Hijack", "code": "HIJACK", "hostnames": "evil.example.net", "amount": "1",
        "email": "owner@example.com", "password": "long enough password", "reason": "x",
        "kind": "refund", "confirm": "yes", "username": "Hijack", "secret": "s" * 40,
        "currency": "EUR", "first_day": "2026-11-01", "campaign": "1", "rate": "50",
        "starts_on": "2026-09-01", "note": "x", "target": "creator:1", "show_names": "y"}


def test_member_of_another_network_sees_and_changes_nothing(app, logged_in, network, their_network,
                                                            figure):
    with app.app_context():
        before = _snapshot(their_network["network_id"])
    visited = 0
    for rule, method in _routes(app):
        if rule.rule in ("/logout",):
            continue
        _visit(logged_in, app, rule, method, their_network, FORM)
        visited += 1
    with app.app_context():
        assert _snapshot(their_network["network_id"]) == before
    figure(f"authorization walk: {visited} route/method pairs as another Network's member")


def test_every_endpoint_is_guarded_or_listed_as_public(app, client):
    """The one login guard: a logged-out request to any endpoint not on the public list is
    sent to the login page, whatever its blueprint forgot. A new public endpoint must be
    added to the list on purpose."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS <= endpoints, PUBLIC_ENDPOINTS - endpoints  # no stale names
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(_url(rule, {}), method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], \
            (method, rule.rule, response.status_code)


def test_logged_out_visitor_sees_and_changes_nothing(app, client, their_network):
    with app.app_context():
        before = _snapshot(their_network["network_id"])
    for rule, method in _routes(app):
        response = _visit(client, app, rule, method, their_network, FORM)
        if rule.endpoint not in PUBLIC_ENDPOINTS:
            assert response.status_code in (302, 404, 405), (method, rule.rule)
    with app.app_context():
        assert _snapshot(their_network["network_id"]) == before
