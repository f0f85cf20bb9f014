"""Store integrations of one Server: a card per store, connect / regenerate / disconnect, the log.

Secrets are shown once, in the reply to the POST that created them, and never again.
HTMX requests get the card partial back; plain form posts get the whole page.
"""
import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup

import providers
import runtime
from blueprints.access import is_owner, owned_server_or_403, server_or_404
from blueprints.flow import partial
from extensions import db
from ledger import deliveries, ingest, rejections, replay
from ledger import integrations as service
from models import Delivery, Server
from models.integration import FAILED

bp = Blueprint("integrations", __name__, url_prefix="/servers/<int:server_id>/integrations")


@bp.get("", strict_slashes=False)
def index(server_id: int):
    server = server_or_404(server_id)
    return _page(server)


@bp.get("/<store>/card")
def card(server_id: int, store: str):
    """The card body, polled every 3 s while waiting for the first delivery."""
    server, module = server_or_404(server_id), _module(store)
    return partial(_card_templates(module), f"{module.TITLE} on {server.name}",
                   **_card(server, module), body_only=True)


@bp.post("/<store>/connect")
def connect(server_id: int, store: str):
    server, module = owned_server_or_403(server_id), _module(store)
    if service.find(server.id, module.NAME):
        return _reply(server, module, error=f"{module.TITLE} is already connected.")
    try:
        settings = service.settings_for(module, request.form)
        _, secret = service.connect(server, module.NAME, runtime.secret_box(),
                                    secret=_pasted_secret(module), settings=settings)
    except service.IntegrationError as exc:
        return _reply(server, module, error=str(exc))
    db.session.commit()
    return _reply(server, module, secret=secret)


@bp.post("/<store>/regenerate")
def regenerate(server_id: int, store: str):
    server, module = owned_server_or_403(server_id), _module(store)
    integration = service.find(server.id, module.NAME) or abort(404)
    try:
        secret = service.regenerate(integration, runtime.secret_box(), _pasted_secret(module))
    except service.IntegrationError as exc:
        return _reply(server, module, error=str(exc))
    db.session.commit()
    return _reply(server, module, secret=secret, regenerated=True)


@bp.post("/<store>/settings")
def settings(server_id: int, store: str):
    server, module = owned_server_or_403(server_id), _module(store)
    integration = service.find(server.id, module.NAME) or abort(404)
    try:
        service.update_settings(integration, module, request.form)
    except service.IntegrationError as exc:
        return _reply(server, module, error=str(exc))
    db.session.commit()
    return _reply(server, module, notice="Saved.")


@bp.post("/<store>/disconnect")
def disconnect(server_id: int, store: str):
    server, module = owned_server_or_403(server_id), _module(store)
    integration = service.find(server.id, module.NAME)
    if integration is not None:
        service.disconnect(integration)
        db.session.commit()
    if request.headers.get("HX-Request"):
        return _reply(server, module, notice=f"{module.TITLE} disconnected.")
    flash(f"{module.TITLE} disconnected. Its purchases stay.", "success")
    return redirect(url_for("integrations.index", server_id=server.id))


@bp.get("/<store>/deliveries")
def delivery_log(server_id: int, store: str):
    server, module = server_or_404(server_id), _module(store)
    number = request.args.get("page", 1, type=int) or 1
    page = deliveries.page(server.id, module.NAME, number)
    return render_template("integrations/deliveries.html", server=server, module=module, page=page,
                           integration=service.find(server.id, module.NAME),
                           unlogged=rejections.not_logged(server.id, module.NAME),
                           replayable=replay.replayable(server.id, module.NAME),
                           is_owner=is_owner(server.network_id))


@bp.post("/<store>/deliveries/<int:delivery_id>/replay")
def replay_one(server_id: int, store: str, delivery_id: int):
    """Send a failed delivery through the pipeline again, with today's secret and settings."""
    server, module = owned_server_or_403(server_id), _module(store)
    if delivery_id not in replay.replayable(server.id, module.NAME):
        abort(404, "That delivery cannot be replayed (it did not fail, or its copy is gone).")
    flash(_replay(server, module, db.session.get(Delivery, delivery_id)), "info")
    return redirect(url_for("integrations.delivery_log", server_id=server.id, store=module.NAME))


@bp.post("/<store>/deliveries/replay")
def replay_all(server_id: int, store: str):
    """Replay every replayable failure of this integration, oldest first."""
    server, module = owned_server_or_403(server_id), _module(store)
    ids = sorted(replay.replayable(server.id, module.NAME))
    answers = [_replay(server, module, db.session.get(Delivery, i)) for i in ids]
    flash(f"Replayed {len(ids)} deliveries: " + "; ".join(answers) if ids else
          "Nothing to replay.", "info")
    return redirect(url_for("integrations.delivery_log", server_id=server.id, store=module.NAME))


def _replay(server: Server, module, delivery: Delivery) -> str:
    """Replay one delivery and commit; what happened, in words."""
    if delivery.apply_state == FAILED:
        replay.reapply(delivery)
        db.session.commit()
        return f"#{delivery.id} will be applied again"
    copy = replay.copy_of(delivery)
    if copy is None:
        return f"#{delivery.id} was replayed meanwhile"
    body, headers, sent_at = bytes(copy.body), dict(copy.headers), delivery.received_at
    db.session.commit()  # the pipeline runs its own transaction
    reply = ingest.receive(module, server.project_id, body, headers, {}, time.perf_counter(),
                           runtime.secret_box(), sent_at=sent_at)
    replay.forget(delivery.id)  # only now: a replay that fails unexpectedly keeps its copy
    db.session.commit()
    return f"#{delivery.id}: {reply.status} {reply.body.get('status') or reply.body.get('error')}"


def _pasted_secret(module) -> str | None:
    """The store's own secret, for stores where the owner pastes it (Tebex, Donation Store)."""
    if not service.is_pasted(module):
        return None
    return service.check_pasted_secret(request.form.get("secret", ""))


def _module(store: str):
    return providers.get(store) or abort(404)


def _card(server: Server, module, integration=..., **shown) -> dict:
    if integration is ...:
        integration = service.find(server.id, module.NAME)
    return dict(server=server, module=module, integration=integration,
                status=service.status(integration),
                webhook_url=runtime.webhook_url(server, module.NAME) if integration else None,
                **shown)


def _card_templates(module) -> list[str]:
    return [f"integrations/cards/{module.NAME}.html", "integrations/_card.html"]


def _reply(server: Server, module, **shown):
    """After a POST: the card (HTMX) or the whole page with that card showing ``shown``."""
    status = 400 if shown.get("error") else 200
    if request.headers.get("HX-Request"):
        # htmx swaps 4xx replies only when told to; the card shows the error, so send 200.
        return render_template(_card_templates(module), **_card(server, module, **shown))
    return _page(server, {module.NAME: shown}), status


def _page(server: Server, shown: dict | None = None):
    connected = service.for_server(server.id)
    cards = [Markup(render_template(_card_templates(module),
                                    **_card(server, module, connected.get(name),
                                            **(shown or {}).get(name, {}))))
             for name, module in providers.STORES.items()]
    return render_template("integrations/index.html", server=server, cards=cards)
