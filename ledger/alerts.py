"""Where a Network wants to be told: Discord alerts and the owner's own webhook endpoints.

A Discord webhook URL is a credential (whoever has it posts to the channel), so it is stored
encrypted and shown only as its host and webhook id. An endpoint's signing secret is made
here, shown once and stored encrypted; rotating it makes a new one.
"""
import base64
import ipaddress
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete as delete_rows
from sqlalchemy import select, update

from extensions import db
from ledger import messages, outbox
from ledger.crypto import SecretBox
from ledger.deliveries import Page, paged
from models import DiscordAlert, OutboxEvent, Send, WebhookEndpoint
from models.base import utcnow
from models.notification import FAILING, PURCHASES, REVERSALS, TOPICS
from models.outbox import DISCORD, FAILED, PENDING, SENDING, WEBHOOK
from money import currency_code, parse_amount

DISCORD_HOSTS = ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com")
# Which outbox events each Discord topic covers; an endpoint subscribes to event kinds.
TOPIC_KINDS = {PURCHASES: (outbox.PURCHASE,), REVERSALS: (outbox.REFUND, outbox.CHARGEBACK),
               FAILING: (outbox.INTEGRATION_FAILING,)}


class AlertError(ValueError):
    """A setting is not usable; the message says which and why."""


def check_discord_url(url: str, allow_private: bool = False) -> str:
    """A Discord webhook URL: https on Discord's hosts (port 443, no user), path
    /api[/v<n>]/webhooks/<id>/<token> and nothing after the token (Discord's /github and
    /slack variants expect other bodies). With ``allow_private``
    (TALLY_OUTBOUND_ALLOW_PRIVATE) a loopback test receiver on any port, http too."""
    parts = urlsplit((url or "").strip())
    if _WEBHOOK_PATH.fullmatch(parts.path) is None:
        raise AlertError("that is not a Discord webhook URL (…/api/webhooks/<id>/<token>)")
    if parts.username is not None or parts.password is not None:
        raise AlertError("a Discord webhook URL has no user name or password before its host")
    if parts.scheme == "https" and parts.hostname in DISCORD_HOSTS and _port(parts) in (None, 443):
        return parts.geturl()
    if allow_private and parts.scheme in ("http", "https") and _loopback(parts.hostname):
        return parts.geturl()
    raise AlertError("a Discord webhook URL is https on discord.com")


# Discord's webhook ids are numbers; its tokens letters, digits, "-" and "_".
_WEBHOOK_PATH = re.compile(r"/api(?:/v\d+)?/webhooks/(?P<id>\d+)/[A-Za-z0-9_-]+")


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError:  # not a number, or out of range
        return -1


def _loopback(host: str | None) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def hint(url: str) -> str:
    """The part of a Discord URL that may be shown: host and webhook id, never the token (the
    URL has passed check_discord_url)."""
    parts = urlsplit(url)
    return f"{parts.hostname}/…/{_WEBHOOK_PATH.fullmatch(parts.path)['id']}"[:80]


def save_discord(alert: DiscordAlert, box: SecretBox, form: dict, allow_private: bool,
                 server_ids: set[int]) -> DiscordAlert:
    """Validate ``form`` (url, topics, servers, min_amount, min_currency, template) into
    ``alert`` (a new one or an existing one; an empty url keeps the current one)."""
    url = (form.get("url") or "").strip()
    if url or alert.url_encrypted is None:
        url = check_discord_url(url, allow_private)
        alert.url_encrypted, alert.url_hint = box.encrypt(url), hint(url)
    alert.topics = _topics(form.get("topics"))
    alert.server_ids = _servers(form.get("servers"), server_ids)
    alert.min_amount_minor, alert.min_currency = _minimum(form.get("min_amount"),
                                                          form.get("min_currency"))
    template = (form.get("template") or "").strip() or messages.DEFAULT_TEMPLATE
    if len(template) > messages.MAX_TEMPLATE:
        raise AlertError(f"the template is longer than {messages.MAX_TEMPLATE} characters")
    alert.template = template
    db.session.add(alert)
    db.session.flush()
    return alert


def _topics(chosen) -> list[str]:
    topics = [t for t in (chosen or []) if t in TOPICS]
    if not topics:
        raise AlertError(f"choose at least one of: {', '.join(TOPICS)}")
    return topics


def _servers(chosen, server_ids: set[int]) -> list[int] | None:
    """The Servers an alert is narrowed to (None: all); only the Network's own."""
    picked = {int(s) for s in (chosen or []) if str(s).isdigit()}
    if picked - server_ids:
        raise AlertError("one of the Servers is not in this Network")
    return sorted(picked) or None


def _minimum(amount: str | None, currency: str | None) -> tuple[int | None, str | None]:
    if not (amount or "").strip():
        return None, None
    code = currency_code(currency or "", "min_currency")
    return parse_amount(amount, code, "min_amount", text=True), code


def new_endpoint_secret() -> str:
    """A Standard Webhooks signing secret: "whsec_" and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def save_endpoint(endpoint: WebhookEndpoint, box: SecretBox, url: str, kinds,
                  allow_private: bool) -> str | None:
    """Validate and store an endpoint; a new one gets a secret, returned once."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("https", "http") or not parts.hostname \
            or (parts.scheme == "http" and not allow_private):
        raise AlertError("the endpoint must be an https URL")
    endpoint.url = parts.geturl()[:2000]
    endpoint.topics = [k for k in (kinds or []) if k in outbox.KINDS] or list(outbox.KINDS)
    secret = None
    if endpoint.secret_encrypted is None:
        secret = new_endpoint_secret()
        endpoint.secret_encrypted = box.encrypt(secret)
    db.session.add(endpoint)
    db.session.flush()
    return secret


def rotate_secret(endpoint: WebhookEndpoint, box: SecretBox) -> str:
    """A new signing secret (shown once); the old one signs nothing from now on."""
    secret = new_endpoint_secret()
    endpoint.secret_encrypted, endpoint.secret_rotated_at = box.encrypt(secret), utcnow()
    db.session.flush()
    return secret


def of_network(model, network_id: int) -> list:
    return list(db.session.scalars(select(model).filter_by(network_id=network_id)
                                   .order_by(model.id)))


def sends_page(target: str, target_id: int, number: int = 1) -> Page:
    """A page of a destination's sends, newest first: its delivery log."""
    return paged(Send, (Send.target == target, Send.target_id == target_id), number)


def delete(obj) -> None:
    """Remove an alert or endpoint with its sends (its log): none is left to retry, and none
    can turn up under a destination that later gets the same id (SQLite reuses the highest)."""
    target = DISCORD if isinstance(obj, DiscordAlert) else WEBHOOK
    db.session.execute(delete_rows(Send).where(Send.target == target, Send.target_id == obj.id)
                       .execution_options(synchronize_session=False))
    db.session.delete(obj)
    db.session.flush()


def settle_test(send_id: int) -> None:
    """A test message is tried once: one that was not accepted is failed, not retried (it
    would reach a corrected URL later, or post the test again and again)."""
    db.session.execute(update(Send).where(Send.id == send_id, Send.status == PENDING)
                       .values(status=FAILED)
                       .execution_options(synchronize_session=False))


TEST = "test"


def test_send(alert: DiscordAlert) -> int:
    """A test message to one alert's channel, through the outbox like any other: an event
    and its one send, which the caller delivers at once (worker.loop.deliver). Its id."""
    event = OutboxEvent(uid="evt_" + secrets.token_hex(12), network_id=alert.network_id,
                        kind=TEST, data={}, fanned_out_at=utcnow())
    db.session.add(event)
    db.session.flush()
    send = Send(event_id=event.id, target=DISCORD, target_id=alert.id, status=SENDING,
                attempts=1, locked_until=utcnow() + timedelta(seconds=60), body={
        "title": "Test from Tally", "color": 0x2563EB, "timestamp": utcnow().isoformat(),
        "description": "This channel will get Tally's alerts. Example: " + messages.render(
            alert.template, {"player": "Steve", "amount": "9.99", "currency": "USD",
                             "items": "1 × VIP", "campaign": "YouTube", "creator": "none",
                             "store": "tebex", "server": "Lobby"})})
    db.session.add(send)
    db.session.flush()
    return send.id
