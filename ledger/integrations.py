"""Connecting stores to a Server: secrets are generated (or pasted), encrypted, shown once."""
from flask import current_app, has_request_context, request
from sqlalchemy import select

import providers
from extensions import db
from ledger.secrets import encrypt, new_secret
from models import Integration, Server
from models.base import utcnow
from providers.base import PayloadError

# Where webhook URLs point when neither TALLY_PUBLIC_URL nor a request says otherwise (CLI).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"

NOT_CONNECTED, WAITING, CONNECTED = "not connected", "waiting", "connected"


class IntegrationError(ValueError):
    pass


def connect(server: Server, store: str, secret: str | None = None,
            settings: dict | None = None) -> tuple[Integration, str]:
    """Connect ``store`` on ``server``. Returns the integration and its secret (shown once).

    Stores where the owner pastes the store's own secret pass ``secret``;
    otherwise a fresh one is generated.
    """
    if find(server.id, store):
        raise IntegrationError(f"{store} is already connected on {server.name}")
    secret = secret or new_secret()
    integration = Integration(server=server, store=store, secret_encrypted=encrypt(secret),
                              settings=settings or {}, secret_rotated_at=utcnow())
    db.session.add(integration)
    db.session.flush()
    return integration, secret


def regenerate(integration: Integration, secret: str | None = None) -> str:
    """Replace the secret; deliveries signed with the old one fail from the next request on."""
    secret = secret or new_secret()
    integration.secret_encrypted = encrypt(secret)
    integration.secret_rotated_at = utcnow()
    db.session.flush()
    return secret


def disconnect(integration: Integration) -> None:
    """Delete the integration row. Purchases and the delivery log stay."""
    db.session.delete(integration)
    db.session.flush()


def find(server_id: int, store: str) -> Integration | None:
    return db.session.scalar(select(Integration).filter_by(server_id=server_id, store=store))


MIN_PASTED_SECRET = 16


def is_pasted(module) -> bool:
    """True for stores whose secret the owner pastes in (it comes from the store)."""
    return getattr(module, "SECRET_SOURCE", "generated") == "pasted"


def check_pasted_secret(secret: str) -> str:
    secret = (secret or "").strip()
    if len(secret) < MIN_PASTED_SECRET:
        raise IntegrationError(f"paste the store's secret (at least {MIN_PASTED_SECRET} characters)")
    return secret


def for_server(server_id: int) -> dict[str, Integration]:
    """The Server's integrations by store name."""
    rows = db.session.scalars(select(Integration).filter_by(server_id=server_id))
    return {integration.store: integration for integration in rows}


def status(integration: Integration | None) -> str:
    """Connected once a delivery passed verification (accepted or duplicate)."""
    if integration is None:
        return NOT_CONNECTED
    return CONNECTED if integration.last_delivery_at is not None else WAITING


def settings_for(module, form) -> dict:
    """The settings a store keeps on its integration, from the owner's choices in ``form``
    (the connect form, the card's settings form or the CLI), validated by the store module's
    ``clean_settings``. A currency store defaults to its DEFAULT_CURRENCY."""
    takes_currency = getattr(module, "CURRENCY_SETTING", False)
    if form.get("currency") and not takes_currency:
        raise IntegrationError(f"{module.TITLE} takes the currency from each delivery")
    clean = getattr(module, "clean_settings", None)
    if clean is None:
        return {}
    chosen = {key: form.get(key) for key in form if form.get(key) not in (None, "")}
    if takes_currency:
        chosen.setdefault("currency", module.DEFAULT_CURRENCY)
    try:
        return clean(chosen)
    except PayloadError as exc:
        raise IntegrationError(str(exc)) from None


def webhook_url(server: Server, store: str, **extra) -> str:
    """The full URL a store posts to."""
    return public_url("webhooks.receive", store=store, projectId=server.project_id, **extra)


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


def update_settings(integration: Integration, form) -> dict:
    """Merge the store's settings from ``form`` (see settings_for) into the integration.
    Raises IntegrationError (message fit for the page) on bad input."""
    module = providers.get(integration.store)
    if getattr(module, "clean_settings", None) is None:
        raise IntegrationError(f"{integration.store} has no settings to change")
    changes = settings_for(module, form)
    integration.settings = {**(integration.settings or {}), **changes}  # new dict: JSON change seen
    db.session.flush()
    return integration.settings
