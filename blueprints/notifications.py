"""A Network's notifications: Discord alerts and the owner's own webhook endpoints, each with
its log of sends. Everyone in the Network sees them; owners change them (a Discord URL and an
endpoint's secret are credentials)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

import runtime
from blueprints.access import (is_owner, network_or_404, object_in_network_or_404,
                               owned_network_or_403)
from blueprints.flow import committed
from events import PayloadError
from extensions import db
from ledger import alerts, messages, outbox
from ledger.alerts import AlertError
from models import DiscordAlert, WebhookEndpoint
from models.notification import TOPICS
from money import from_minor
from worker.loop import send_test

bp = Blueprint("notifications", __name__, url_prefix="/networks/<int:network_id>/notifications")


# A destination's kind in URLs (its log, removing it): the model and what the owner calls it.
DESTINATIONS = {"discord": (DiscordAlert, "Discord alert"), "webhook": (WebhookEndpoint, "Endpoint")}


@bp.get("/")
def index(network_id: int):
    return _page(network_or_404(network_id))


@bp.post("/discord")
def add_discord(network_id: int):
    network = owned_network_or_403(network_id)
    return _save_discord(network, DiscordAlert(network_id=network.id), "Discord alert added.")


@bp.post("/discord/<int:alert_id>")
def edit_discord(network_id: int, alert_id: int):
    network = owned_network_or_403(network_id)
    alert = object_in_network_or_404(DiscordAlert, alert_id, network.id)
    return _save_discord(network, alert, "Discord alert saved.")


@bp.post("/discord/<int:alert_id>/test")
def test_discord(network_id: int, alert_id: int):
    """Send a test message now and show how it went (it is in the alert's log too)."""
    network = owned_network_or_403(network_id)
    alert = object_in_network_or_404(DiscordAlert, alert_id, network.id)
    send = send_test(alert, runtime.secret_box(), current_app.config)
    flash("Test message sent." if send.status == "sent" else
          f"The test message was not accepted: {send.error or send.response_code}.",
          "success" if send.status == "sent" else "error")
    return redirect(url_for("notifications.index", network_id=network.id))


@bp.post("/webhooks")
def add_endpoint(network_id: int):
    network = owned_network_or_403(network_id)
    endpoint = WebhookEndpoint(network_id=network.id)
    try:
        secret = alerts.save_endpoint(endpoint, runtime.secret_box(), request.form.get("url"),
                                      request.form.getlist("kinds"), _allow_private())
    except AlertError as exc:
        db.session.rollback()
        return _page(network, error=str(exc)), 400
    db.session.commit()
    return _secret_once(network, endpoint, secret)


@bp.post("/webhooks/<int:endpoint_id>/rotate")
def rotate_endpoint(network_id: int, endpoint_id: int):
    network = owned_network_or_403(network_id)
    endpoint = object_in_network_or_404(WebhookEndpoint, endpoint_id, network.id)
    secret = alerts.rotate_secret(endpoint, runtime.secret_box())
    db.session.commit()
    return _secret_once(network, endpoint, secret)


@bp.post("/<target>/<int:target_id>/delete")
def delete(network_id: int, target: str, target_id: int):
    network = owned_network_or_403(network_id)
    model, noun = DESTINATIONS.get(target) or abort(404)
    alerts.delete(object_in_network_or_404(model, target_id, network.id))
    return committed(f"{noun} removed.", "notifications.index", network_id=network.id)


@bp.get("/<target>/<int:target_id>/log")
def log(network_id: int, target: str, target_id: int):
    """A destination's latest sends: status, response, next retry."""
    network = network_or_404(network_id)
    model, _ = DESTINATIONS.get(target) or abort(404)
    destination = object_in_network_or_404(model, target_id, network.id)
    return render_template("notifications/log.html", network=network, target=target,
                           destination=destination, page=alerts.sends_page(
                               target, target_id, request.args.get("page", 1, type=int)))


def _save_discord(network, alert, message: str):
    form = request.form.to_dict() | {"topics": request.form.getlist("topics"),
                                     "servers": request.form.getlist("servers")}
    try:
        alerts.save_discord(alert, runtime.secret_box(), form, _allow_private(),
                            {server.id for server in network.servers})
    except (AlertError, PayloadError) as exc:
        db.session.rollback()
        return _page(network, error=str(exc)), 400
    return committed(message, "notifications.index", network_id=network.id)


def _secret_once(network, endpoint, secret: str):
    """The endpoint's signing secret is shown on this one response, never cached."""
    body = render_template("notifications/secret.html", network=network, endpoint=endpoint,
                           secret=secret)
    return body, 200, {"Cache-Control": "no-store"}


def _allow_private() -> bool:
    return current_app.config["OUTBOUND_ALLOW_PRIVATE"]


def _page(network, error: str | None = None):
    return render_template(
        "notifications/index.html", network=network, error=error, topics=TOPICS,
        kinds=outbox.KINDS, discord=alerts.of_network(DiscordAlert, network.id),
        endpoints=alerts.of_network(WebhookEndpoint, network.id), from_minor=from_minor,
        placeholders=messages.PLACEHOLDERS, default_template=messages.DEFAULT_TEMPLATE,
        is_owner=is_owner(network.id))
