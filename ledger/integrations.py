"""Connecting stores to a Server: secrets are generated (or pasted), encrypted, shown once."""
from flask import current_app, request, url_for
from sqlalchemy import select

import providers
from extensions import db
from ledger.secrets import encrypt, new_secret
from models import Integration, Server
from models.base import utcnow
from providers.base import PayloadError


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


def webhook_url(server: Server, store: str, **extra) -> str:
    """The full URL a store posts to. Uses TALLY_PUBLIC_URL when set (behind a proxy)."""
    path = url_for("webhooks.receive", store=store, projectId=server.project_id, **extra)
    base = current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/")
    return base + path


def update_settings(integration: Integration, form) -> dict:
    """Validate ``form`` with the store module's ``clean_settings`` and merge it into the
    integration's settings. Raises IntegrationError (message fit for the page) on bad input."""
    module = providers.get(integration.store)
    clean = getattr(module, "clean_settings", None)
    if clean is None:
        raise IntegrationError(f"{integration.store} has no settings to change")
    try:
        changes = clean(form)
    except PayloadError as exc:
        raise IntegrationError(str(exc)) from None
    integration.settings = {**(integration.settings or {}), **changes}  # new dict: JSON change seen
    db.session.flush()
    return integration.settings
