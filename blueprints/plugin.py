"""The game-server plugin on Tally's pages: the jar download, the Server page's live plugin status,
and the Server's Game server log (the plugin's purchase and refund calls, kept like webhooks)."""
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file

from blueprints.access import server_or_404
from blueprints.flow import partial
from ledger import deliveries, game_server

bp = Blueprint("plugin", __name__)


@bp.get("/plugin/tally.jar")
def jar():
    """The jar plugin/build made; 404 until it has."""
    path = jar_path()
    if path is None:
        abort(404, "The plugin is not built yet: run plugin/build on the Tally machine "
                   "(it needs a JDK 17).")
    return send_file(path, mimetype="application/java-archive", as_attachment=True,
                     download_name="tally.jar", max_age=0)


@bp.get("/servers/<int:server_id>/plugin/status")
def status(server_id: int):
    """The Server page's plugin status, polled while the page is open."""
    server = server_or_404(server_id)
    return partial("servers/_plugin_status.html", f"Plugin status of {server.name}",
                   server=server, plugin_status=game_server.status(server.id))


@bp.get("/servers/<int:server_id>/plugin/calls")
def calls(server_id: int):
    server = server_or_404(server_id)
    number = request.args.get("page", 1, type=int) or 1
    return render_template("servers/plugin_calls.html", server=server, title=game_server.TITLE,
                           page=deliveries.page(server.id, game_server.SOURCE, number))


def jar_path() -> Path | None:
    path = Path(current_app.config["PLUGIN_JAR"])
    return path if path.is_file() else None
