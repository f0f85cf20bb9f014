"""The plugin API: game servers report player joins, and purchases and refunds from the plugin's
fallback command. JSON in and out, a Server's key as Bearer token."""
import time

from flask import Blueprint, abort, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from events import PayloadError
from extensions import csrf, db
from blueprints.access import bearer_or_401
from ledger import game_server
from ledger.deliveries import DeliveryLog
from ledger.players import record_joins
from ledger.servers import server_for_api_key
from providers import plugin_api

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def _limit_body():
    request.max_content_length = current_app.config["API_MAX_BYTES"]


@bp.post("/players/join")
def join():
    """One join ``{username, uuid?, hostname?, campaign?}`` or a list of up to 1,000, all or none."""
    server = _server_or_401()
    try:
        result = record_joins(server, plugin_api.parse_joins(request.get_data(cache=False)))
    except PayloadError as exc:
        abort(400, str(exc))
    db.session.commit()
    return jsonify(players=result.players, created=result.created, rematched=result.rematched)


@bp.post("/purchases")
def purchases():
    """One purchase (the Custom webhook's fields, plus coupon and store) or a list of up to
    1,000, all or none; {"accepted": N, "duplicate": M}."""
    return _game_server_call(
        lambda server, body, log: game_server.record_purchases(
            server, plugin_api.parse_purchases(body, log.received_at), log))


@bp.post("/refunds")
def refunds():
    """Refund a purchase ``{transaction_id, amount?, store?, refund_id?}``; 404 when unknown."""
    return _game_server_call(
        lambda server, body, log: game_server.record_refund(server, plugin_api.parse_refund(body),
                                                            log))


def _game_server_call(record):
    """Run ``record(server, body, log)``, leaving a row in the Server's Game server log. The
    call is authenticated (the plugin key), so a refused one keeps its body like a verified
    webhook's."""
    started = time.perf_counter()
    server = _server_or_401()
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        body = None
    log = DeliveryLog(game_server.SOURCE, body or b"", started)
    if body is None:
        reply = log.reject(server, 413, f"body is larger than {request.max_content_length} bytes")
        return jsonify(reply.body), reply.status
    try:
        counts = record(server, body, log)
    except (PayloadError, game_server.CallError) as exc:
        reply = log.reject(server, getattr(exc, "status", 400), str(exc), verified=True)
        return jsonify(reply.body), reply.status
    db.session.commit()
    return jsonify(accepted=counts.accepted, duplicate=counts.duplicate)


def _server_or_401():
    return bearer_or_401(server_for_api_key, "plugin key")
