"""App-wide HTTP behaviour: the home page, error pages, security headers, template helpers."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from extensions import login_manager
from ledger import accounts, integrations
from providers.base import exponent

bp = Blueprint("web", __name__)

# The one script allowed from outside: htmx, pinned by its Subresource Integrity hash in
# base.html (the same bytes as static/htmx.min.js, npm's htmx.org@2.0.4 dist file).
CDN_HTMX = "https://unpkg.com/htmx.org@2.0.4/dist/htmx.min.js"
HSTS = "max-age=31536000"


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("networks.index"))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


def _is_api(path: str) -> bool:
    """Webhooks and the plugin API: JSON errors, no cookie session."""
    return path.startswith("/api/")


def _wants_json() -> bool:
    return _is_api(request.path)


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except under /api/: webhooks and the plugin API
    authenticate every request (signature, Bearer key) and keep no session, so they
    neither read nor set the cookie (and do not pay for it on the hot path)."""

    def open_session(self, app, request):
        if _is_api(request.path):
            return self.null_session_class()
        return super().open_session(app, request)


def _error(code: int, message: str):
    if _wants_json():
        return jsonify(error=message), code
    return render_template("error.html", code=code, message=message), code


def format_money(amount_minor: int | None, currency: str) -> str:
    """12345, "USD" -> "123.45 USD" (exact, from integers)."""
    if amount_minor is None:
        return ""
    places = exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, frac = divmod(abs(amount_minor), 10 ** places)
    text = f"{whole:,}" + (f".{frac:0{places}d}" if places else "")
    return f"{sign}{text} {currency}"


def install(app) -> None:
    @login_manager.user_loader
    def load_user(session_id: str):
        return accounts.user_for_session(session_id)

    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    app.register_error_handler(HTTPException, _http_error)

    app.jinja_env.filters["money"] = format_money
    app.jinja_env.globals["public_url"] = integrations.public_url
    app.after_request(_security_headers)
    app.session_interface = _Sessions()


def _http_error(exc: HTTPException):
    """Every HTTP error as JSON under /api/, as a page elsewhere; 500s never show internals."""
    if exc.code == 500 or not exc.description:
        return _error(exc.code, exc.name)
    return _error(exc.code, exc.description)


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
