"""A Server's players: search by name (HTMX live search), paginated."""
from flask import Blueprint, render_template, request

from blueprints.access import server_or_404
from ledger.players import search_players

bp = Blueprint("players", __name__)


@bp.get("/servers/<int:server_id>/players")
def index(server_id: int):
    server = server_or_404(server_id)
    query = request.args.get("q", "").strip()[:32]
    page = search_players(server, query, request.args.get("page", 1, type=int))
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    template = "players/_table.html" if partial else "players/index.html"
    body = render_template(template, server=server, network=server.network, page=page, query=query)
    return body, 200, {"Vary": "HX-Request"}
