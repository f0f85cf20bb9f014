"""CSRF, cookies and security headers."""
import pytest

from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, make_app


@pytest.fixture
def csrf_client(backend, tmp_path, request):
    app = make_app(backend, tmp_path, request, WTF_CSRF_ENABLED=True)
    return app.test_client()


def test_form_post_without_csrf_token_is_400(csrf_client):
    response = csrf_client.post("/setup", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD,
                                                "confirm": OWNER_PASSWORD})
    assert response.status_code == 400
    assert b"CSRF" in response.data


def test_webhooks_are_exempt_from_csrf(csrf_client):
    response = csrf_client.post("/api/webhooks/custom?projectId=unknown", data=b"{}")
    assert response.status_code == 404  # reached the pipeline, not stopped by CSRF
    assert response.get_json() == {"error": "unknown projectId"}


def test_security_headers(client):
    response = client.get("/login", follow_redirects=True)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self' https://unpkg.com" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags(client, owner):
    response = client.post("/login", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookie_behind_https(backend, tmp_path, request, monkeypatch):
    monkeypatch.setenv("TALLY_HTTPS", "1")
    app = make_app(backend, tmp_path, request)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_webhooks_are_rate_limited_per_client(backend, tmp_path, request):
    app = make_app(backend, tmp_path, request, RATELIMIT_ENABLED=True,
                   WEBHOOK_RATE_LIMIT="3 per minute")
    client = app.test_client()
    answers = [client.post("/api/webhooks/custom?projectId=x", data=b"{}").status_code
               for _ in range(4)]
    assert answers == [404, 404, 404, 429]
    limited = client.post("/api/webhooks/custom?projectId=x", data=b"{}")
    assert "error" in limited.get_json()

