"""Owner sign-up (once), log in, log out, login required, and the login rate limit."""
import pytest

from tests.conftest import OWNER_EMAIL, make_app


def test_setup_only_once(client, owner):
    assert client.get("/setup").status_code == 302
    response = client.post("/setup", data={"email": "second@example.com", "password": "x" * 12,
                                           "confirm": "x" * 12})
    assert response.status_code == 302
    assert client.post("/login", data={"email": "second@example.com",
                                       "password": "x" * 12}).status_code == 401


def test_setup_rejects_short_password(client):
    response = client.post("/setup", data={"email": "a@example.com", "password": "short",
                                           "confirm": "short"})
    assert response.status_code == 200 and b"between 10 and 200" in response.data


def test_login_logout(client, auth, owner):
    assert auth.login().status_code == 302
    assert client.get("/networks/").status_code == 200
    assert auth.logout().status_code == 302
    response = client.get("/networks/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password(client, auth, owner):
    response = auth.login(password="not the password")
    assert response.status_code == 401 and b"Email or password is wrong" in response.data
    assert client.get("/networks/").status_code == 302


def test_login_redirects_to_safe_next(client, owner):
    data = {"email": OWNER_EMAIL, "password": "correct horse battery"}
    assert client.post("/login?next=/networks/", data=data).headers["Location"] == "/networks/"
    client.post("/logout")
    assert client.post("/login?next=//evil.example", data=data).headers["Location"] == "/"


def test_login_is_rate_limited(backend, tmp_path, request):
    app = make_app(backend, tmp_path, request, RATELIMIT_ENABLED=True)
    client = app.test_client()
    client.post("/setup", data={"email": OWNER_EMAIL, "password": "x" * 12, "confirm": "x" * 12})
    client.post("/logout")
    codes = [client.post("/login", data={"email": OWNER_EMAIL, "password": "wrong wrong"}).status_code
             for _ in range(11)]
    assert codes == [401] * 10 + [429]
    from extensions import db
    with app.app_context():
        db.engine.dispose()


def test_login_attempts_per_account_are_limited_from_any_address(backend, tmp_path, request):
    app = make_app(backend, tmp_path, request, RATELIMIT_ENABLED=True)
    client = app.test_client()
    client.post("/setup", data={"email": OWNER_EMAIL, "password": "x" * 12, "confirm": "x" * 12})
    client.post("/logout")
    codes = [client.post("/login", data={"email": OWNER_EMAIL.upper(), "password": "wrong"},
                         environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code
             for n in range(11)]
    assert codes == [401] * 10 + [429]
    other = client.post("/login", data={"email": "someone@example.com", "password": "wrong"},
                        environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert other.status_code == 401  # another account from a fresh address is not limited
    from extensions import db
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/networks/", "/"])
def test_login_required(client, owner, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
