"""Network, Server, Members, Campaigns, Creators and Players pages."""
import re
import threading

import pytest
from sqlalchemy import select

from extensions import db, expect_writes, forget_writes
from ledger import accounts, campaigns
from ledger.crypto import digest
from models import Campaign, Creator, Membership, Network, Player, Server, User
from tests.conftest import OWNER_EMAIL
from tests.locks import wait_until_blocked

MEMBER_EMAIL, MEMBER_PASSWORD = "member@example.com", "member password 123"


def rows(app, model, **filters):
    with app.app_context():
        return db.session.scalars(select(model).filter_by(**filters)).all()


@pytest.fixture
def member_client(app, client, network):
    """A client logged in as a plain member of ``network``."""
    with app.app_context():
        accounts.add_member(db.session.get(Network, network), MEMBER_EMAIL, password=MEMBER_PASSWORD)
        db.session.commit()
    client.post("/login", data={"email": MEMBER_EMAIL, "password": MEMBER_PASSWORD})
    return client


def test_create_server_shows_key_once(logged_in, app, network):
    response = logged_in.post(f"/networks/{network}", data={"name": "Survival"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    key = re.search(rb"tly_[\w-]+", response.data).group().decode()
    server = rows(app, Server, name="Survival")[0]
    assert server.api_key_hash == digest(key)
    assert server.project_id.encode() in response.data
    assert b"http://tally.test/api/v1/players/join" in response.data
    page = logged_in.get(f"/servers/{server.id}")
    assert key.encode() not in page.data and server.project_id.encode() in page.data
    assert b"Survival" in logged_in.get(f"/networks/{network}").data


def test_create_server_needs_a_name(logged_in, app, network):
    response = logged_in.post(f"/networks/{network}", data={"name": ""})
    assert b"This field is required" in response.data
    assert rows(app, Server) == []


def test_regenerate_key(logged_in, app, server):
    response = logged_in.post(f"/servers/{server.id}/key")
    key = re.search(rb"tly_[\w-]+", response.data).group().decode()
    assert key != server.api_key
    assert rows(app, Server, id=server.id)[0].api_key_hash == digest(key)
    ok = logged_in.post("/api/v1/players/join", json={"username": "Alex"},
                        headers={"Authorization": f"Bearer {key}"})
    old = logged_in.post("/api/v1/players/join", json={"username": "Alex"},
                         headers={"Authorization": f"Bearer {server.api_key}"})
    assert (ok.status_code, old.status_code) == (200, 401)


def test_rename_server(logged_in, app, server):
    response = logged_in.post(f"/servers/{server.id}/rename", data={"name": "  Hub "})
    assert response.status_code == 302
    assert rows(app, Server, id=server.id)[0].name == "Hub"
    assert logged_in.post(f"/servers/{server.id}/rename", data={"name": ""}).status_code == 400


def test_delete_server_asks_then_deletes(logged_in, app, server):
    logged_in.post("/api/v1/players/join", json={"username": "Alex"},
                   headers={"Authorization": f"Bearer {server.api_key}"})
    confirm = logged_in.get(f"/servers/{server.id}/delete")
    assert b"cannot be undone" in confirm.data
    assert rows(app, Server, id=server.id)
    response = logged_in.post(f"/servers/{server.id}/delete")
    assert response.status_code == 302
    assert rows(app, Server) == [] and rows(app, Player) == []


def test_member_sees_but_cannot_delete_or_add_members(member_client, app, server, network):
    assert member_client.get(f"/servers/{server.id}").status_code == 200
    assert b"Delete this Server" not in member_client.get(f"/servers/{server.id}").data
    assert member_client.get(f"/servers/{server.id}/delete").status_code == 403
    assert member_client.post(f"/servers/{server.id}/delete").status_code == 403
    assert rows(app, Server, id=server.id)
    members = member_client.get(f"/networks/{network}/members")
    assert members.status_code == 200 and OWNER_EMAIL.encode() in members.data
    assert b"Add a member" not in members.data
    response = member_client.post(f"/networks/{network}/members",
                                  data={"email": "new@example.com", "password": "x" * 12})
    assert response.status_code == 403
    assert rows(app, User, email="new@example.com") == []


def test_owner_adds_existing_user_and_creates_new_one(logged_in, app, network, other_network):
    response = logged_in.post(f"/networks/{network}/members",
                              data={"email": "Stranger@Example.com", "role": "member"})
    assert response.status_code == 302
    response = logged_in.post(f"/networks/{network}/members",
                              data={"email": "new@example.com", "password": "new password 1",
                                    "role": "owner"})
    assert response.status_code == 302
    with app.app_context():
        roles = {m.user.email: m.role for m in db.session.get(Network, network).memberships}
    assert roles == {OWNER_EMAIL: "owner", "stranger@example.com": "member",
                     "new@example.com": "owner"}


def _user_id(app, email):
    return rows(app, User, email=email)[0].id


def test_owner_removes_a_member_who_then_loses_access(logged_in, app, network):
    with app.app_context():
        accounts.add_member(db.session.get(Network, network), MEMBER_EMAIL, password=MEMBER_PASSWORD)
        db.session.commit()
    page = logged_in.get(f"/networks/{network}/members")
    assert b"Remove" in page.data and b"They lose access at once" in page.data
    member = app.test_client()
    member.post("/login", data={"email": MEMBER_EMAIL, "password": MEMBER_PASSWORD})
    assert member.get(f"/networks/{network}").status_code == 200
    response = logged_in.post(f"/networks/{network}/members/{_user_id(app, MEMBER_EMAIL)}/remove",
                              follow_redirects=True)
    assert response.status_code == 200 and b"is no longer in Test Network" in response.data
    assert rows(app, Membership, network_id=network, user_id=_user_id(app, MEMBER_EMAIL)) == []
    assert rows(app, User, email=MEMBER_EMAIL)  # the account stays
    assert member.get(f"/networks/{network}").status_code == 404


def test_the_last_owner_cannot_be_removed(logged_in, app, network):
    owner_id = _user_id(app, OWNER_EMAIL)
    response = logged_in.post(f"/networks/{network}/members/{owner_id}/remove",
                              follow_redirects=True)
    assert b"the only owner of Test Network" in response.data
    assert rows(app, Membership, network_id=network, user_id=owner_id)[0].role == "owner"
    with app.app_context():  # with a second owner, the first may leave
        accounts.add_member(db.session.get(Network, network), "second@example.com", "owner",
                            password="second owner pw 1")
        db.session.commit()
    response = logged_in.post(f"/networks/{network}/members/{owner_id}/remove")
    assert response.status_code == 302 and response.headers["Location"].endswith("/networks/")
    assert rows(app, Membership, network_id=network, user_id=owner_id) == []


def test_two_owners_removing_each_other_leave_one(app, network):
    """The second removal waits for the first (Network row lock / SQLite write lock) and then
    sees that only one owner is left."""
    with app.app_context():
        accounts.add_member(db.session.get(Network, network), "second@example.com", "owner",
                            password="second owner pw 1")
        db.session.commit()
    outcomes = {}

    def remove(email, key, before_commit=None):
        token = expect_writes()
        with app.app_context():
            try:
                accounts.remove_member(db.session.get(Network, network), email)
                if before_commit:
                    before_commit()
                db.session.commit()
                outcomes[key] = "removed"
            except accounts.AccountError as exc:
                db.session.rollback()
                outcomes[key] = str(exc)
            finally:
                db.session.remove()
                forget_writes(token)

    second = threading.Thread(target=remove, args=(OWNER_EMAIL, "second"))

    def let_the_second_queue_up():
        second.start()
        wait_until_blocked(app)  # the other removal is now waiting on the lock we hold

    remove("second@example.com", "first", before_commit=let_the_second_queue_up)
    second.join(10)
    assert outcomes["first"] == "removed"
    assert "only owner" in outcomes["second"]
    assert [m.role for m in rows(app, Membership, network_id=network)] == ["owner"]
def test_an_owner_removed_meanwhile_cannot_remove_anyone(app, network):
    """The page checked the owner before the lock; the ledger checks again under it."""
    with app.app_context():
        net = db.session.get(Network, network)
        for email in ("b@example.com", "c@example.com"):
            accounts.add_member(net, email, "owner", password="another owner pw 1")
        db.session.commit()
        acting = accounts.find_user(OWNER_EMAIL)
        accounts.remove_member(net, OWNER_EMAIL, by=accounts.find_user("b@example.com"))
        db.session.commit()
        with pytest.raises(accounts.AccountError, match="no longer an owner"):
            accounts.remove_member(net, "c@example.com", by=acting)
        db.session.rollback()
    assert len(rows(app, Membership, network_id=network)) == 2


def test_members_cannot_remove_anyone(member_client, app, network):
    owner_id = _user_id(app, OWNER_EMAIL)
    assert b"Remove" not in member_client.get(f"/networks/{network}/members").data
    for user_id in (owner_id, _user_id(app, MEMBER_EMAIL)):
        response = member_client.post(f"/networks/{network}/members/{user_id}/remove")
        assert response.status_code == 403
    assert len(rows(app, Membership, network_id=network)) == 2


def test_removing_someone_not_in_the_network_is_404(logged_in, app, network, other_network):
    response = logged_in.post(f"/networks/{network}/members/{other_network.user_id}/remove")
    assert response.status_code == 404
    assert rows(app, Membership, network_id=other_network.id, user_id=other_network.user_id)


@pytest.mark.parametrize("data, message", [
    ({"email": "nobody@example.com"}, b"give a password to create them"),
    ({"email": OWNER_EMAIL}, b"already a member"),
    ({"email": "short@example.com", "password": "short"}, b"between 10 and 200"),
])
def test_add_member_errors(logged_in, app, network, data, message):
    response = logged_in.post(f"/networks/{network}/members", data=dict(data, role="member"))
    assert response.status_code == 200 and message in response.data
    assert len(rows(app, Membership, network_id=network)) == 1


def test_campaign_create_edit_delete(logged_in, app, network):
    url = f"/networks/{network}/campaigns/"
    response = logged_in.post(url, data={"name": "YouTube", "code": "YT",
                                         "hostnames": "YT.Example.net:25565\nyoutube.example.net"})
    assert response.status_code == 302
    campaign = rows(app, Campaign, network_id=network)[0]
    with app.app_context():
        hosts = [h.hostname for h in db.session.get(Campaign, campaign.id).hostnames]
    assert hosts == ["youtube.example.net", "yt.example.net"]
    assert b"yt.example.net" in logged_in.get(url).data
    response = logged_in.post(f"{url}{campaign.id}/edit", data={
        "name": "YT", "code": "", "hostnames": "yt.example.net, new.example.net"})
    assert response.status_code == 302
    with app.app_context():
        edited = db.session.get(Campaign, campaign.id)
        assert (edited.name, edited.code) == ("YT", None)
        assert [h.hostname for h in edited.hostnames] == ["new.example.net", "yt.example.net"]
    assert logged_in.post(f"{url}{campaign.id}/delete").status_code == 302
    assert rows(app, Campaign) == []


@pytest.mark.parametrize("data, message", [
    ({"name": "Dup host", "hostnames": "YT.EXAMPLE.NET"}, b"already belongs to YouTube"),
    ({"name": "Dup code", "code": "yt"}, b"already used by YouTube"),
    ({"name": "Bad host", "hostnames": "not a host!"}, b"is not a hostname"),
    ({"name": "Nothing"}, b"at least one join hostname or a code"),
    ({"name": "", "code": "NEW"}, b"This field is required"),
])
def test_campaign_validation(logged_in, app, network, data, message):
    url = f"/networks/{network}/campaigns/"
    logged_in.post(url, data={"name": "YouTube", "code": "YT", "hostnames": "yt.example.net"})
    response = logged_in.post(url, data=data)
    assert response.status_code == 200 and message in response.data
    assert len(rows(app, Campaign)) == 1


def test_same_code_and_hostname_allowed_in_another_network(logged_in, app, network, other_network):
    with app.app_context():
        campaigns.create_campaign(db.session.get(Network, other_network.id), "Theirs",
                                  ["yt.example.net"], "YT")
        db.session.commit()
    response = logged_in.post(f"/networks/{network}/campaigns/",
                              data={"name": "Mine", "code": "yt", "hostnames": "yt.example.net"})
    assert response.status_code == 302


def test_creator_create_edit_delete(logged_in, app, network):
    url = f"/networks/{network}/creators/"
    assert logged_in.post(url, data={"name": "Dream", "code": "DREAM"}).status_code == 302
    assert logged_in.post(url, data={"name": "Copy", "code": "dream"}).status_code == 200
    creator = rows(app, Creator)[0]
    assert len(rows(app, Creator)) == 1
    response = logged_in.post(f"{url}{creator.id}/edit", data={"name": "Dream", "code": "Dream10"})
    assert response.status_code == 302
    assert rows(app, Creator)[0].code_key == "dream10"
    missing = logged_in.post(f"{url}{creator.id}/edit", data={"name": "Dream", "code": ""})
    assert b"This field is required" in missing.data
    assert logged_in.post(f"{url}{creator.id}/delete").status_code == 302
    assert rows(app, Creator) == []


def _join(client, server, *names):
    body = [{"username": n, "hostname": "yt.example.net"} for n in names]
    assert client.post("/api/v1/players/join", json=body,
                       headers={"Authorization": f"Bearer {server.api_key}"}).status_code == 200


def test_players_page_search_and_pages(logged_in, app, server, network):
    with app.app_context():
        campaigns.create_campaign(db.session.get(Network, network), "YouTube", ["yt.example.net"])
        db.session.commit()
    _join(logged_in, server, *[f"Miner{i:02d}" for i in range(60)], "Racer_07")
    page = logged_in.get(f"/servers/{server.id}/players")
    assert page.status_code == 200 and b'id="players"' in page.data
    assert b"61 players" in page.data and b"YouTube" in page.data
    assert b"page=2" in page.data
    second = logged_in.get(f"/servers/{server.id}/players?page=2")
    assert second.data.count(b"<tr>") == 1 + 11
    found = logged_in.get(f"/servers/{server.id}/players?q=miner0", headers={"HX-Request": "true"})
    assert b"<html" not in found.data  # the partial only
    assert b"10 players" in found.data and b"Miner05" in found.data and b"Miner15" not in found.data
    escaped = logged_in.get(f"/servers/{server.id}/players?q=R_0").data  # "_" is not a wildcard
    assert escaped.count(b"<tr>") == 2 and b"Racer_07" in escaped
    restore = logged_in.get(f"/servers/{server.id}/players?q=x",
                            headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert b"<html" in restore.data


def test_subnav_links_the_network_pages(logged_in, server, network):
    page = logged_in.get(f"/servers/{server.id}/players").data.decode()
    for link in (f"/networks/{network}/campaigns/", f"/networks/{network}/creators/",
                 f"/networks/{network}/members", f"/servers/{server.id}/players"):
        assert f'href="{link}"' in page


def test_member_cannot_delete_campaigns_or_creators(member_client, app, network):
    from ledger import campaigns
    from models import Campaign, Creator, Network

    with app.app_context():
        net = db.session.get(Network, network)
        camp = campaigns.create_campaign(net, "YouTube", ["yt.example.net"], None).id
        creator = campaigns.create_creator(net, "Alex", "ALEX").id
        db.session.commit()
    assert member_client.post(f"/networks/{network}/campaigns/{camp}/delete").status_code == 403
    assert member_client.post(f"/networks/{network}/creators/{creator}/delete").status_code == 403
    assert rows(app, Campaign, id=camp) and rows(app, Creator, id=creator)
