"""Every page added by the foundation gives 404 for another Network's objects, GET and POST."""
import pytest
from sqlalchemy import func, select

from extensions import db
from ledger import campaigns
from models import Campaign, Creator, Network, Server

ROUTES = [
    ("GET", "/networks/{net}"),
    ("POST", "/networks/{net}"),
    ("GET", "/networks/{net}/members"),
    ("POST", "/networks/{net}/members"),
    ("POST", "/networks/{net}/members/{owner}/remove"),
    ("GET", "/servers/{srv}"),
    ("POST", "/servers/{srv}/rename"),
    ("POST", "/servers/{srv}/key"),
    ("GET", "/servers/{srv}/delete"),
    ("POST", "/servers/{srv}/delete"),
    ("GET", "/servers/{srv}/players"),
    ("GET", "/networks/{net}/campaigns/"),
    ("POST", "/networks/{net}/campaigns/"),
    ("GET", "/networks/{net}/campaigns/{camp}/edit"),
    ("POST", "/networks/{net}/campaigns/{camp}/edit"),
    ("POST", "/networks/{net}/campaigns/{camp}/delete"),
    ("GET", "/networks/{net}/creators/"),
    ("POST", "/networks/{net}/creators/"),
    ("GET", "/networks/{net}/creators/{cre}/edit"),
    ("POST", "/networks/{net}/creators/{cre}/edit"),
    ("POST", "/networks/{net}/creators/{cre}/delete"),
]
FORM = {"name": "Hijack", "code": "HIJACK", "hostnames": "evil.example.net",
        "email": "owner@example.com", "password": "long enough password"}


@pytest.fixture
def their_objects(app, other_network):
    """A Campaign and a Creator in the other Network, plus its ids."""
    with app.app_context():
        net = db.session.get(Network, other_network.id)
        camp = campaigns.create_campaign(net, "Theirs", ["theirs.example.net"], "T")
        cre = campaigns.create_creator(net, "Their creator", "THEIRS")
        db.session.commit()
        return {"net": net.id, "srv": other_network.server_id, "camp": camp.id, "cre": cre.id,
                "owner": other_network.user_id}


@pytest.mark.parametrize("method, route", ROUTES)
def test_other_networks_objects_are_404(logged_in, app, their_objects, network, method, route):
    response = logged_in.open(route.format(**their_objects), method=method, data=FORM)
    assert response.status_code == 404
    assert b"Foreign" not in response.data and b"Theirs" not in response.data
    with app.app_context():  # nothing changed over there
        assert db.session.get(Server, their_objects["srv"]).name == "Foreign"
        assert db.session.get(Campaign, their_objects["camp"]).name == "Theirs"
        assert db.session.get(Creator, their_objects["cre"]).code == "THEIRS"
        assert db.session.scalar(select(func.count(Server.id))) == 1
        assert len(db.session.get(Network, their_objects["net"]).memberships) == 1


@pytest.mark.parametrize("route", [
    "/networks/{net}/campaigns/{camp}/edit", "/networks/{net}/creators/{cre}/edit"])
def test_own_network_id_with_foreign_object_is_404(logged_in, their_objects, network, route):
    ids = dict(their_objects, net=network)
    assert logged_in.get(route.format(**ids)).status_code == 404
    assert logged_in.post(route.format(**ids), data=FORM).status_code == 404


@pytest.mark.parametrize("method, route", ROUTES)
def test_pages_need_login(client, method, route):
    response = client.open(route.format(net=1, srv=1, camp=1, cre=1, owner=1), method=method)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
