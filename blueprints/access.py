"""Who may see what: every object is reached through a Network the user belongs to.

An object of another Network gives 404, exactly like one that does not exist. Actions
only an owner may take give 403 to a member who is not one (``owned_*_or_403``).
"""
from flask import abort, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from extensions import db
from models import OWNER, Membership, Network, Server


def membership_for(network_id: int) -> Membership:
    membership = db.session.scalar(select(Membership).filter_by(
        network_id=network_id, user_id=current_user.id))
    if membership is None:
        abort(404)
    return membership


def network_or_404(network_id: int) -> Network:
    return membership_for(network_id).network


def owned_network_or_403(network_id: int) -> Network:
    """For actions only an owner may take (members, deleting, secrets and keys): 404 for
    another Network's, 403 for a member who is not an owner."""
    membership = membership_for(network_id)
    if membership.role != OWNER:
        abort(403)
    return membership.network


def is_owner(network_id: int) -> bool:
    return membership_for(network_id).role == OWNER


def row_or_404(model, object_id: int):
    """A Network-owned row (Server, Purchase, ...) by id, if the user belongs to its Network."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    membership_for(obj.network_id)
    return obj


def server_or_404(server_id: int) -> Server:
    return row_or_404(Server, server_id)


def owned_server_or_403(server_id: int) -> Server:
    """A Server whose Network the user owns (404 / 403 as owned_network_or_403): changing
    integrations and their secrets."""
    server = server_or_404(server_id)
    owned_network_or_403(server.network_id)
    return server


def object_in_network_or_404(model, object_id: int, network_id: int):
    """A Network-owned row (Campaign, Creator, ...) by id, checked against the Network."""
    obj = db.session.get(model, object_id)
    if obj is None or obj.network_id != network_id:
        abort(404)
    return obj


def bearer_or_401(find, what: str):
    """What ``find`` returns for the request's Bearer token (a Server for a plugin key, a
    Network API token), or a 401 that says what was expected."""
    auth = request.authorization
    found = find(auth.token) if auth and auth.type == "bearer" and auth.token else None
    if found is None:
        response = jsonify(error=f"missing or unknown {what} (Authorization: Bearer <{what}>)")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        abort(response)
    return found
