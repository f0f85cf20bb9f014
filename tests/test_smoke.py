from models import Purchase


def test_first_visit_asks_for_owner_account(client):
    response = client.get("/", follow_redirects=True)
    assert b"Create the owner account" in response.data


def test_signup_then_login(client):
    response = client.post("/setup", data={"email": "Me@Example.com", "password": "long enough pw",
                                           "confirm": "long enough pw"})
    assert response.status_code == 302
    client.post("/logout")
    assert client.get("/setup").status_code == 302  # setup closes once a user exists
    bad = client.post("/login", data={"email": "me@example.com", "password": "wrong password"})
    assert bad.status_code == 401
    good = client.post("/login", data={"email": "ME@example.com", "password": "long enough pw"})
    assert good.status_code == 302


def test_fixtures_build_a_server(app, server):
    with app.app_context():
        assert Purchase.query.count() == 0
    assert server.api_key.startswith("tly_")
