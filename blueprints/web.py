"""App-wide HTTP behaviour: the home page, the one login guard, error pages, security headers.

Every endpoint needs a signed-in user except those in PUBLIC_ENDPOINTS, which authenticate
each request themselves (signatures, Bearer keys) or are how one signs in.
"""
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from extensions import expect_writes, forget_writes, login_manager
from ledger import accounts

bp = Blueprint("web", __name__)

PUBLIC_ENDPOINTS = frozenset({
    "static", "web.healthz", "web.favicon",
    "auth.setup", "auth.login",  # signing in
    "webhooks.receive",  # store webhooks: signed
    "gateway.callback", "gateway.api_mark_paid",  # CraftingStore and its payment provider
    "api.join", "api.purchases", "api.refunds",  # the game server plugin: Bearer plugin key
    "share.view",  # a share link: its token
    # the read API: Bearer Network API token
    "read_api.summary", "read_api.breakdown", "read_api.purchases", "read_api.creator_statements",
    "read_api.campaign_comparison", "read_api.campaign_funnel",
})
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The one script allowed from outside: htmx, pinned by its Subresource Integrity hash in
# base.html (the same bytes as static/htmx.min.js, npm's htmx.org@2.0.4 dist file).
CDN_HTMX = "https://unpkg.com/htmx.org@2.0.4/dist/htmx.min.js"
HSTS = "max-age=31536000"


@bp.get("/")
def index():
    """Where signing in lands: the home of the user's one Network, or the list of several."""
    ids = accounts.network_ids(current_user.id)
    if len(ids) == 1:
        return redirect(url_for("home.show", network_id=ids[0]))
    return redirect(url_for("networks.index"))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on pages without a <link rel=icon> (an HTMX partial opened alone)."""
    return current_app.send_static_file("favicon.svg")


def install(app) -> None:
    """The app-wide hooks: users from sessions, the login guard, write intent, errors, headers."""
    login_manager.user_loader(accounts.user_for_session)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.before_request(_require_login)
    app.before_request(_declare_writes)
    app.teardown_request(_end_writes)
    app.register_error_handler(HTTPException, _http_error)
    app.after_request(_security_headers)
    app.session_interface = _Sessions()


def _require_login():
    """The one login guard: anything not public needs a signed-in user."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None  # no such page (404), or public
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _declare_writes():
    """A request that may change something starts its transactions ready to write
    (extensions.expect_writes: on SQLite, BEGIN IMMEDIATE)."""
    g.writes_token = expect_writes(request.method not in SAFE_METHODS)


def _end_writes(error=None):
    token = g.pop("writes_token", None)
    if token is not None:
        forget_writes(token)


def _is_api(path: str) -> bool:
    """Webhooks and the plugin API: JSON errors, no cookie session."""
    return path.startswith("/api/")


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except under /api/: webhooks and the plugin API
    authenticate every request (signature, Bearer key) and keep no session, so they
    neither read nor set the cookie (and do not pay for it on the hot path)."""

    def open_session(self, app, request):
        if _is_api(request.path):
            return self.null_session_class()
        return super().open_session(app, request)


def _http_error(exc: HTTPException):
    """Every HTTP error as JSON under /api/, as a page elsewhere; 500s never show internals."""
    message = exc.name if exc.code == 500 or not exc.description else exc.description
    if _is_api(request.path):
        return jsonify(error=message), exc.code
    return render_template("error.html", code=exc.code, message=message), exc.code


def _security_headers(response):
    """CSP, framing, sniffing and referrer rules everywhere; no caching of anything but static
    files (pages behind login, CSV exports and API answers stay out of shared caches and the
    browser's back-forward cache); HSTS when served over HTTPS (TALLY_HTTPS=1)."""
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; script-src 'self' {CDN_HTMX}; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("HTTPS"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
