"""Campaign costs: the exact split over days, the owner's forms with history, the CLI."""
import json
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from ledger import campaigns, costs
from models import Cost, CostChange, Network

FIRST = date(2026, 3, 1)


def test_share_by_hand():
    last = FIRST + timedelta(days=2)
    assert [costs.share(1000, FIRST, last, FIRST + timedelta(days=i), FIRST + timedelta(days=i))
            for i in range(3)] == [333, 333, 334]
    assert costs.share(1000, FIRST, last, None, None) == 1000
    assert costs.share(1000, FIRST, last, last + timedelta(days=1), None) == 0
    assert costs.share(1000, FIRST, last, None, FIRST - timedelta(days=1)) == 0
    assert costs.share(7, FIRST, FIRST, FIRST, FIRST) == 7


@given(amount=st.integers(0, 10**12), length=st.integers(1, 400),
       cuts=st.lists(st.integers(0, 400), max_size=6))
def test_any_split_of_a_range_sums_to_the_whole(amount, length, cuts):
    last = FIRST + timedelta(days=length - 1)
    bounds = sorted({c for c in cuts if 0 < c < length})
    edges = [0, *bounds, length]
    parts = [costs.share(amount, FIRST, last, FIRST + timedelta(days=a),
                         FIRST + timedelta(days=b - 1)) for a, b in zip(edges, edges[1:])]
    assert sum(parts) == amount and all(p >= 0 for p in parts)
    assert max(parts) - min(parts) <= amount if parts else True


def _campaign(app, network_id, name="YouTube"):
    with app.app_context():
        camp = campaigns.create_campaign(db.session.get(Network, network_id), name,
                                         [f"{name.lower()}.example.net"])
        db.session.commit()
        return camp.id


def test_owner_records_edits_and_deletes_a_cost_with_history(app, logged_in, network):
    camp = _campaign(app, network)
    url = f"/networks/{network}/campaigns/costs"
    response = logged_in.post(url, data={"campaign": camp, "amount": "200", "currency": "eur",
                                         "first_day": "2026-11-01", "last_day": "2026-11-30"})
    assert response.status_code == 302
    with app.app_context():
        cost = db.session.scalar(select(Cost))
        assert (cost.amount_minor, cost.currency, cost.first_day, cost.last_day) == (
            20000, "EUR", date(2026, 11, 1), date(2026, 11, 30))
        cost_id = cost.id
    html = logged_in.get(url).get_data(as_text=True)
    assert "200.00 EUR" in html and "owner@example.com" in html
    edit = logged_in.get(f"{url}/{cost_id}/edit").get_data(as_text=True)
    assert 'value="200.00"' in edit
    assert logged_in.post(f"{url}/{cost_id}/edit", data={
        "campaign": camp, "amount": "150.50", "currency": "EUR",
        "first_day": "2026-11-01", "last_day": ""}).status_code == 302
    assert logged_in.post(f"{url}/{cost_id}/delete").status_code == 302
    with app.app_context():
        cost = db.session.get(Cost, cost_id)
        assert cost.deleted_at is not None and cost.amount_minor == 15050
        changes = db.session.scalars(select(CostChange).order_by(CostChange.id)).all()
        assert [(c.action, c.actor, c.amount_minor, c.last_day) for c in changes] == [
            ("created", "owner@example.com", 20000, date(2026, 11, 30)),
            ("edited", "owner@example.com", 15050, date(2026, 11, 1)),
            ("deleted", "owner@example.com", 15050, date(2026, 11, 1))]
        assert costs.costs_of(network) == []
    assert logged_in.get(f"{url}/{cost_id}/edit").status_code == 404  # deleted


def test_bad_costs_are_form_errors(app, logged_in, network):
    camp = _campaign(app, network)
    url = f"/networks/{network}/campaigns/costs"
    for amount, currency, last, error in [
            ("9.999", "USD", "", "more decimal places"), ("-5", "USD", "", "negative"),
            ("abc", "USD", "", "not a number"), ("10", "USD", "2026-10-01", "must not be before"),
            ("10", "US1", "", "3-letter")]:
        response = logged_in.post(url, data={"campaign": camp, "amount": amount,
                                             "currency": currency, "first_day": "2026-11-01",
                                             "last_day": last})
        assert response.status_code == 200 and error in response.get_data(as_text=True), amount
    with app.app_context():
        assert db.session.scalar(select(Cost)) is None


def test_members_see_costs_but_only_owners_change_them(app, client, auth, network):
    from ledger import accounts

    camp = _campaign(app, network)
    with app.app_context():
        accounts.create_user("member@example.com", "member password long")
        accounts.add_member(db.session.get(Network, network), "member@example.com")
        cost = costs.add_cost(db.session.get(campaigns.Campaign, camp), "5", "USD", FIRST,
                              actor="test")
        db.session.commit()
        cost_id = cost.id
    auth.login("member@example.com", "member password long")
    url = f"/networks/{network}/campaigns/costs"
    assert client.get(url).status_code == 200
    form = {"campaign": camp, "amount": "1", "currency": "USD", "first_day": "2026-11-01"}
    assert client.post(url, data=form).status_code == 403
    assert client.post(f"{url}/{cost_id}/edit", data=form).status_code == 403
    assert client.post(f"{url}/{cost_id}/delete").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Cost)).deleted_at is None


def test_another_networks_campaign_cannot_be_costed(app, logged_in, network, other_network):
    from tests.funnel_data import their_campaign

    with app.app_context():
        theirs_id = their_campaign(other_network)
    _campaign(app, network)
    response = logged_in.post(f"/networks/{network}/campaigns/costs", data={
        "campaign": theirs_id, "amount": "1", "currency": "USD", "first_day": "2026-11-01"})
    assert response.status_code == 200  # not one of the choices: a form error
    with app.app_context():
        assert db.session.scalar(select(Cost)) is None


def test_cost_and_stats_from_the_command_line(app, runner, server):
    from tests import funnel_data

    with app.app_context():
        data = funnel_data.build(server.network_id, server.id)
    result = runner.invoke(args=["campaigns", "cost", str(server.network_id), "YouTube", "12.34",
                                 "usd", "--from", "2026-03-04", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"id": json.loads(result.output)["id"],
                                         "campaign": "YouTube", "amount": "12.34",
                                         "currency": "USD", "from": "2026-03-04",
                                         "to": "2026-03-04"}
    result = runner.invoke(args=["campaigns", "stats", "Test Network", "--from", "2026-03-01",
                                 "--to", "2026-03-31", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"campaigns": [
        {"name": "TikTok", "new_players": 2, "returning_players": 0, "buyers": 1,
         "conversion": 0.5, "net": {"EUR": "4.00"}, "cost": {"EUR": "10.00", "USD": "5.00"}},
        {"name": "YouTube", "new_players": 2, "returning_players": 1, "buyers": 1,
         "conversion": 0.5, "net": {"USD": "13.00"}, "cost": {"USD": "42.34"}},
        {"name": None, "new_players": 1, "returning_players": 1, "buyers": 1,
         "conversion": 1.0, "net": {"EUR": "20.00"}, "cost": {}}]}
    result = runner.invoke(args=["campaigns", "stats", str(server.network_id), "--server",
                                 data.survival_project, "--json"])
    rows = {row["name"]: row for row in json.loads(result.output)["campaigns"]}
    assert rows["TikTok"]["new_players"] == 1 and rows["YouTube"]["conversion"] is None
    assert runner.invoke(args=["campaigns", "cost", "Test Network", "Nope", "1", "USD",
                               "--from", "2026-03-01"]).exit_code != 0
    assert runner.invoke(args=["campaigns", "cost", "Test Network", "YouTube", "1.234", "USD",
                               "--from", "2026-03-01"]).exit_code != 0
    assert runner.invoke(args=["campaigns", "stats", "Test Network", "--server",
                               "nope"]).exit_code != 0
    text = runner.invoke(args=["campaigns", "stats", "Test Network"])
    assert text.exit_code == 0 and "(no campaign)" in text.output


def test_deleting_a_campaign_takes_its_costs(app, logged_in, network):
    camp = _campaign(app, network)
    with app.app_context():
        costs.add_cost(db.session.get(campaigns.Campaign, camp), "5", "USD", FIRST, actor="t")
        db.session.commit()
    assert logged_in.post(f"/networks/{network}/campaigns/{camp}/delete").status_code == 302
    assert logged_in.get(f"/networks/{network}/campaigns/costs").status_code == 200
    assert logged_in.get(f"/networks/{network}/campaigns/compare?period=all").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Cost)) is None
