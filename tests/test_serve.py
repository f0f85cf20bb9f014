"""`flask serve`, the documented way to run Tally, run for real: requests in one worker must
not share anything (a request's ``g`` holds the logged-in user and the CSRF token)."""
import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from tests.live import LiveTally

PASSWORD = "served password 1"


class Browser:
    """A cookie jar and no redirects followed, like one visitor's browser."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                  _NoRedirect)

    def open(self, path: str, form: dict | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def log_in(self, email: str) -> int:
        page = self.open("/login")[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self.open("/login", {"csrf_token": token, "email": email, "password": PASSWORD})[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    live = LiveTally(tmp_path_factory.mktemp("served") / "instance", workers=1)
    live.flask("db", "upgrade")
    for email in ("first@example.com", "second@example.com"):
        live.flask("users", "create", email, "--password", PASSWORD)
        live.flask("networks", "create", f"Net of {email}", "--owner", email)
    live.start(flask_serve=True)  # one worker: every request below goes through the same one
    yield live.url
    live.stop()


def test_each_visitor_logs_in_as_themselves(served):
    first, second, stranger = Browser(served), Browser(served), Browser(served)
    assert first.log_in("first@example.com") == 302
    assert "Net of first@example.com" in first.open("/networks/")[1]
    assert stranger.open("/networks/")[0] == 302  # not the first visitor's identity
    assert second.log_in("second@example.com") == 302  # the CSRF token of its own session
    networks = second.open("/networks/")[1]
    assert "Net of second@example.com" in networks and "first@example.com" not in networks
    assert "Net of first@example.com" in first.open("/networks/")[1]


def test_gunicorn_loading_the_app_starts_the_embedded_worker(app, monkeypatch):
    """In each of `flask serve`'s processes, so a backlog left before a restart does not wait
    for the first request."""
    from commands import serve
    started = []
    monkeypatch.setattr(serve.worker, "start_embedded", started.append)
    assert serve._Gunicorn(app, "127.0.0.1", 0, 1, 1).load() is app
    assert started == [app]
