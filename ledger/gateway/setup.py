"""Connecting the gateway: its settings, the shared secret and the payment key."""
import secrets
from dataclasses import dataclass

from extensions import db
from ledger import integrations, targets
from ledger.crypto import SecretBox, digest
from ledger.gateway.payments import STORE, GatewayError
from models import Integration, Server
from providers import craftingstore_gateway as cs

KEY_PREFIX = "tgw_"


@dataclass(frozen=True)
class Credentials:
    """What the owner sees once: the CraftingStore shared secret and/or the payment key."""

    secret: str | None = None
    payment_key: str | None = None


def find_integration(server_id: int) -> Integration | None:
    return integrations.find(server_id, STORE)


def connect(server: Server, box: SecretBox, payment_url_template: str, confirmation_url: str,
            secret: str | None = None) -> tuple[Integration, Credentials]:
    """Connect the gateway. ``secret``: CraftingStore's gateway secret if the owner pasted it;
    otherwise one is generated for the owner to paste into CraftingStore."""
    settings = _settings(payment_url_template, confirmation_url)
    key = _new_payment_key(server)
    settings["payment_key_sha256"] = digest(key)
    try:
        integration, secret = integrations.connect(server, STORE, box, _pasted(secret), settings)
    except integrations.IntegrationError as exc:
        raise GatewayError(str(exc)) from None
    return integration, Credentials(secret=secret, payment_key=key)


def update_settings(integration: Integration, payment_url_template: str,
                    confirmation_url: str) -> None:
    settings = dict(integration.settings or {})
    settings.update(_settings(payment_url_template, confirmation_url))
    integration.settings = settings
    db.session.flush()


def regenerate_secret(integration: Integration, box: SecretBox,
                      secret: str | None = None) -> Credentials:
    return Credentials(secret=integrations.regenerate(integration, box, _pasted(secret)))


def regenerate_payment_key(integration: Integration) -> Credentials:
    key = _new_payment_key(integration.server)
    integration.settings = {**(integration.settings or {}), "payment_key_sha256": digest(key)}
    db.session.flush()
    return Credentials(payment_key=key)


def disconnect(integration: Integration) -> None:
    """Payments, purchases and the delivery log stay; callbacks are refused from now on."""
    integrations.disconnect(integration)


def integration_for_payment_key(key: str | None) -> Integration | None:
    """The gateway integration a payment key belongs to, or None (compared in constant time)."""
    if not key or not key.startswith(KEY_PREFIX) or "." not in key:
        return None
    project_id = key[len(KEY_PREFIX):].partition(".")[0]
    _, integration = targets.find(project_id, STORE)
    expected = (integration.settings or {}).get("payment_key_sha256", "") if integration else ""
    if not secrets.compare_digest(expected.encode(), digest(key).encode()) or not expected:
        return None
    return integration


def _settings(payment_url_template: str, confirmation_url: str) -> dict:
    try:
        return {"payment_url_template": cs.check_template(payment_url_template),
                "confirmation_url": cs.check_url(confirmation_url, "The confirmation URL")}
    except ValueError as exc:
        raise GatewayError(str(exc), 400) from None


def _pasted(secret: str | None) -> str | None:
    """CraftingStore's secret when the owner pasted one (else Tally generates one)."""
    if not (secret or "").strip():
        return None
    try:
        return integrations.check_pasted_secret(secret)
    except integrations.IntegrationError as exc:
        raise GatewayError(str(exc), 400) from None


def _new_payment_key(server: Server) -> str:
    """``tgw_<projectId>.<random>``: the project id finds the integration, the digest checks it."""
    return f"{KEY_PREFIX}{server.project_id}.{secrets.token_urlsafe(32)}"
