"""The plugin API: game servers report player joins. JSON in and out, a Server's key as Bearer token."""
import json

from flask import Blueprint, abort, current_app, jsonify, request

from extensions import csrf, db
from ledger.players import JoinError, parse_joins, record_joins
from ledger.servers import server_for_api_key

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def _limit_body():
    request.max_content_length = current_app.config["API_MAX_BYTES"]


@bp.post("/players/join")
def join():
    """One join ``{username, uuid?, hostname?, campaign?}`` or a list of up to 1,000, all or none."""
    server = _server_or_401()
    payload = _json_body()
    try:
        result = record_joins(server, parse_joins(payload))
    except JoinError as exc:
        abort(400, str(exc))
    db.session.commit()
    return jsonify(players=result.players, created=result.created, rematched=result.rematched)


def _json_body():
    """The parsed body; 400 for anything that is not JSON (including absurdly deep nesting)."""
    try:
        return json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        abort(400, "the body must be JSON")


def _server_or_401():
    auth = request.authorization
    server = server_for_api_key(auth.token) if auth and auth.type == "bearer" else None
    if server is None:
        response = jsonify(error="missing or unknown plugin key (Authorization: Bearer <key>)")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        abort(response)
    return server
