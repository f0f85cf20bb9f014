"""``flask notifications``: Discord alerts and owners' endpoints from a shell.

NETWORK is a Network id or its exact name. Each command takes ``--json``."""
import json

import click
from flask import current_app
from flask.cli import with_appcontext

import runtime
from events import PayloadError
from extensions import db
from ledger import accounts, alerts
from ledger.servers import server_by_project_id
from models import DiscordAlert, WebhookEndpoint
from models.notification import PURCHASES, TOPICS
from money import from_minor
from worker.loop import send_test

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


@click.group("notifications")
def notifications_cli():
    """Discord alerts and webhook endpoints of a Network."""


@notifications_cli.command("discord")
@click.argument("network")
@click.argument("url")
@click.option("--server", "servers", multiple=True, help="Only this Server (project ID); repeat.")
@click.option("--topic", "topics", multiple=True, type=click.Choice(TOPICS),
              help="What to tell about (default: purchases); repeat.")
@click.option("--min-amount", help='The smallest purchase to tell about: "10" or "10 EUR" '
                                   "(default currency: the Network's display currency, or USD).")
@click.option("--template", help="The message, with {player}, {amount}, {currency}, {items}, "
                                 "{campaign}, {creator}, {store}, {server}.")
@json_option
@with_appcontext
def discord(network, url, servers, topics, min_amount, template, as_json):
    """Add a Discord alert to NETWORK, posting to the webhook URL."""
    network = _network(network)
    amount, _, currency = (min_amount or "").strip().partition(" ")
    form = {"url": url, "topics": list(topics) or [PURCHASES], "template": template,
            "servers": [_server(network, project_id).id for project_id in servers],
            "min_amount": amount, "min_currency": currency or network.display_currency or "USD"}
    alert = _checked(lambda: alerts.save_discord(
        DiscordAlert(network_id=network.id), runtime.secret_box(), form,
        current_app.config["OUTBOUND_ALLOW_PRIVATE"], {s.id for s in network.servers}))
    db.session.commit()
    _echo(as_json, _discord(alert), f"Discord alert {alert.id} added ({alert.url_hint}).")


@notifications_cli.command("webhook")
@click.argument("network")
@click.argument("url")
@json_option
@with_appcontext
def webhook(network, url, as_json):
    """Add an endpoint of your own to NETWORK; prints its signing secret (once)."""
    endpoint = WebhookEndpoint(network_id=_network(network).id)
    secret = _checked(lambda: alerts.save_endpoint(endpoint, runtime.secret_box(), url, None,
                                                   current_app.config["OUTBOUND_ALLOW_PRIVATE"]))
    db.session.commit()
    _echo(as_json, {"id": endpoint.id, "url": endpoint.url, "secret": secret},
          f"Endpoint {endpoint.id} added. Signing secret (shown once): {secret}")


@notifications_cli.command("list")
@click.argument("network")
@json_option
@with_appcontext
def list_(network, as_json):
    """The Network's Discord alerts and endpoints (never a URL's token or a secret)."""
    network = _network(network)
    found = {"discord": [_discord(a) for a in alerts.of_network(DiscordAlert, network.id)],
             "webhooks": [{"id": e.id, "url": e.url, "events": e.topics}
                          for e in alerts.of_network(WebhookEndpoint, network.id)]}
    lines = [f"discord {a['id']}: {a['channel']} {','.join(a['topics'])}"
             for a in found["discord"]] + [f"webhook {e['id']}: {e['url']}"
                                            for e in found["webhooks"]]
    _echo(as_json, found, "\n".join(lines) or "No notifications.")


@notifications_cli.command("test")
@click.argument("alert_id", type=int)
@json_option
@with_appcontext
def test(alert_id, as_json):
    """Send a test message to Discord alert ALERT_ID now."""
    alert = db.session.get(DiscordAlert, alert_id)
    if alert is None:
        raise click.ClickException(f"no Discord alert {alert_id}")
    send = send_test(alert, runtime.secret_box(), current_app.config)
    result = {"status": send.status, "response_code": send.response_code, "error": send.error}
    _echo(as_json, result, f"{send.status}: {send.response_code or send.error}")
    if send.status != "sent":
        raise SystemExit(1)


def _discord(alert: DiscordAlert) -> dict:
    return {"id": alert.id, "channel": alert.url_hint, "topics": alert.topics,
            "servers": alert.server_ids, "template": alert.template,
            "min_amount": None if alert.min_amount_minor is None else
            f"{from_minor(alert.min_amount_minor, alert.min_currency)} {alert.min_currency}"}


def _network(ref: str):
    try:
        return accounts.find_network(ref)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None


def _server(network, project_id: str):
    server = server_by_project_id(project_id, network.id)
    if server is None:
        raise click.ClickException(f"no Server {project_id} in {network.name}")
    return server


def _checked(action):
    try:
        return action()
    except (alerts.AlertError, PayloadError) as exc:
        raise click.ClickException(str(exc)) from None


def _echo(as_json: bool, data: dict, text: str) -> None:
    click.echo(json.dumps(data) if as_json else text)


COMMANDS = (notifications_cli,)
