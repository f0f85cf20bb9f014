"""What views and commands take from the running app and hand to the services.

The services (ledger/) never read Flask's ``current_app`` or ``request``: a view or a
command passes in what they need. This module is where those things come from: the box
that encrypts store secrets, and public URLs to paste into a store or a plugin's config.
"""
from flask import current_app, has_request_context, request

from ledger.crypto import SecretBox, box_for

# Where URLs point when neither TALLY_PUBLIC_URL nor a request says otherwise (the CLI).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


def secret_box() -> SecretBox:
    """Encrypts and decrypts store secrets with this app's SECRET_KEY."""
    return box_for(current_app.config["SECRET_KEY"])


def public_url(endpoint: str, **values) -> str:
    """An absolute URL to paste elsewhere (a store's admin, a plugin's config).

    The base is TALLY_PUBLIC_URL when set (behind a proxy), else the current request's
    root, else (CLI, no request) http://127.0.0.1:5000.
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        base = request.url_root if has_request_context() else DEFAULT_PUBLIC_URL
    return base.rstrip("/") + path


def webhook_url(server, store: str, **extra) -> str:
    """The full URL a store posts to for ``server``."""
    return public_url("webhooks.receive", store=store, projectId=server.project_id, **extra)
