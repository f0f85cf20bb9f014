"""Connecting stores to a Server: secrets are generated (or pasted), encrypted, shown once.

Functions that need a store's own rules take its module (providers/<store>.py) from the
caller, and those that encrypt take the app's SecretBox (runtime.secret_box()).
"""
from sqlalchemy import select

from events import PayloadError
from extensions import db
from ledger.crypto import SecretBox, new_secret
from models import Integration, Server
from models.base import utcnow

NOT_CONNECTED, WAITING, CONNECTED = "not connected", "waiting", "connected"


class IntegrationError(ValueError):
    pass


def connect(server: Server, store: str, box: SecretBox, secret: str | None = None,
            settings: dict | None = None) -> tuple[Integration, str]:
    """Connect ``store`` on ``server``. Returns the integration and its secret (shown once).

    Stores where the owner pastes the store's own secret pass ``secret``;
    otherwise a fresh one is generated.
    """
    if find(server.id, store):
        raise IntegrationError(f"{store} is already connected on {server.name}")
    secret = secret or new_secret()
    integration = Integration(server=server, store=store, secret_encrypted=box.encrypt(secret),
                              settings=settings or {}, secret_rotated_at=utcnow())
    db.session.add(integration)
    db.session.flush()
    return integration, secret


def regenerate(integration: Integration, box: SecretBox, secret: str | None = None) -> str:
    """Replace the secret; deliveries signed with the old one fail from the next request on."""
    secret = secret or new_secret()
    integration.secret_encrypted = box.encrypt(secret)
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


def update_settings(integration: Integration, module, form) -> dict:
    """Merge the store's settings from ``form`` (see settings_for) into the integration;
    ``module`` is the store's (providers/<store>.py). Raises IntegrationError (message fit
    for the page) on bad input."""
    if getattr(module, "clean_settings", None) is None:
        raise IntegrationError(f"{integration.store} has no settings to change")
    changes = settings_for(module, form)
    integration.settings = {**(integration.settings or {}), **changes}  # new dict: JSON change seen
    db.session.flush()
    return integration.settings
