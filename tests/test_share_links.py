"""Share links: one Campaign's or Creator's page for whoever has the link, and nothing else."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from ledger import share_links
from models import Campaign, Creator, ShareLink
from models.base import utcnow
from tests.conftest import make_app
from tests.test_statements import alex  # noqa: F401  (the fixture)

LINK = re.compile(r"/share/([A-Za-z0-9_-]{32})")


def make(logged_in, network_id, target, names=False, days=""):
    page = logged_in.post(f"/networks/{network_id}/share-links", data={
        "target": target, "days": days, **({"show_names": "y"} if names else {})})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store", page.text
    [token] = set(LINK.findall(page.text))
    return token


def test_a_creator_link_shows_that_page_without_an_account(app, logged_in, client, auth, server,
                                                           alex):  # noqa: F811
    token = make(logged_in, server.network_id, f"creator:{alex}")
    with app.app_context():
        row = db.session.scalar(select(ShareLink))
        assert token not in " ".join(str(getattr(row, c.name)) for c in ShareLink.__table__.c)
    listing = logged_in.get(f"/networks/{server.network_id}/share-links").text
    assert token not in listing and "Creator Alex" in listing
    logged_in.post(f"/networks/{server.network_id}/creators/{alex}/statements/2026-09/paid",
                   data={"note": "private note"})
    auth.logout()
    page = client.get(f"/share/{token}")
    assert page.status_code == 200
    text = page.text
    assert "Alex" in text and "15.00 USD" in text and "133.33 USD" in text  # September
    assert "a player" in text and "Steve" not in text  # names not ticked
    for private in ("Test Network", "owner@example.com", "private note", "Mark paid",
                    "Set the rate", "statements.csv", "Lobby"):
        assert private not in text, private


def test_names_only_when_ticked_and_emails_never(app, logged_in, client, auth, server, sales):
    token = make(logged_in, server.network_id, f"campaign:{sales.youtube}", names=True)
    auth.logout()
    text = client.get(f"/share/{token}").text
    assert "YouTube" in text and "Steve" in text and "Anna" not in text  # only its purchases
    assert "@example.com" not in text
    assert "Compare Campaigns" not in text and "All Servers" not in text


def test_wrong_revoked_expired_and_deleted_all_look_the_same(app, logged_in, client, auth,
                                                            server, sales):
    base = f"/networks/{server.network_id}/share-links"
    tokens = [make(logged_in, server.network_id, f"campaign:{sales.youtube}") for _ in range(3)]
    creator_token = make(logged_in, server.network_id, f"creator:{sales.alex}", days="1")
    assert all(client.get(f"/share/{t}").status_code == 200 for t in tokens + [creator_token])
    with app.app_context():
        first, second, third = [db.session.scalar(select(ShareLink).filter_by(
            hint=t[:share_links.HINT_LENGTH])) for t in tokens]
        assert db.session.scalar(select(ShareLink).filter_by(
            hint=creator_token[:6])).expires_at > utcnow() + timedelta(hours=23)
        second.expires_at = utcnow() - timedelta(seconds=1)
        db.session.delete(db.session.get(Creator, sales.alex))
        db.session.commit()
        first_id = first.id
    assert "is revoked" in logged_in.post(f"{base}/{first_id}/revoke",
                                          follow_redirects=True).text
    auth.logout()
    answers = [client.get(f"/share/{t}") for t in
               (tokens[0], tokens[1], creator_token, "x" * 32, tokens[2][:-1])]
    assert {(a.status_code, _without_csrf_token(a.data)) for a in answers} \
        == {(404, _without_csrf_token(answers[0].data))}
    assert client.get(f"/share/{tokens[2]}").status_code == 200  # the others still work


def _without_csrf_token(page: bytes) -> bytes:
    """The page without its CSRF token, which carries the second it was made (two answers a
    second apart differed only there)."""
    return re.sub(rb'"X-CSRFToken": "[^"]*"', b"", page)


def test_only_owners_make_links_and_only_to_their_own_networks_pages(
        app, logged_in, client, auth, server, sales, other_network):
    from ledger import accounts
    from models import Network

    with app.app_context():
        theirs = Campaign(network_id=other_network.id, name="Theirs")
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
        with pytest.raises(ValueError):
            share_links.make(server.network_id, "campaign", theirs_id, False, None, None)
    refused = logged_in.post(f"/networks/{server.network_id}/share-links",
                             data={"target": f"campaign:{theirs_id}"})
    assert refused.status_code == 400 and "Not a valid choice" in refused.text
    with app.app_context():
        accounts.add_member(db.session.get(Network, server.network_id), "m@example.com",
                            "member", "a member's long password")
        db.session.commit()
    auth.logout()
    auth.login("m@example.com", "a member's long password")
    assert client.get(f"/networks/{server.network_id}/share-links").status_code == 200
    assert client.post(f"/networks/{server.network_id}/share-links",
                       data={"target": f"campaign:{sales.youtube}"}).status_code == 403


def test_tries_are_rate_limited(backend, tmp_path, request):
    app = make_app(backend, tmp_path, request, RATELIMIT_ENABLED=True,
                   SHARE_RATE_LIMIT="3 per minute")
    client = app.test_client()
    assert [client.get(f"/share/{'y' * 32}{n}").status_code for n in range(4)] == [404] * 3 + [429]
