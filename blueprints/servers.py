"""A Server's page: installing the plugin, its project ID and plugin API URL, rename, new plugin
key, delete."""
from flask import Blueprint, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from blueprints import plugin
from blueprints.access import is_owner, owned_network_or_403, server_or_404
from blueprints.flow import committed
from extensions import db
from ledger import game_server
from ledger.servers import delete_server, regenerate_api_key, rename_server

bp = Blueprint("servers", __name__, url_prefix="/servers")


class RenameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])


class ConfirmForm(FlaskForm):
    """No fields: a POST with a CSRF token."""


@bp.get("/<int:server_id>")
def show(server_id: int):
    server = server_or_404(server_id)
    return _render_show(server, RenameForm(obj=server))


@bp.post("/<int:server_id>/rename")
def rename(server_id: int):
    server = server_or_404(server_id)
    form = RenameForm()
    if not form.validate_on_submit():
        return _render_show(server, form), 400
    rename_server(server, form.name.data)
    return committed("Server renamed.", "servers.show", server_id=server.id)


@bp.post("/<int:server_id>/key")
def regenerate_key(server_id: int):
    """Owners only: a new key cuts the game server off until it is pasted into the plugin."""
    server = server_or_404(server_id)
    owned_network_or_403(server.network_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("servers.show", server_id=server.id))
    key = regenerate_api_key(server)
    db.session.commit()
    return show_key_once(server, key, created=False)


@bp.route("/<int:server_id>/delete", methods=["GET", "POST"])
def delete(server_id: int):
    """Owners only: a confirmation page, then the delete."""
    server = server_or_404(server_id)
    network = owned_network_or_403(server.network_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = server.name
        delete_server(server)
        return committed(f"Server {name} and its players and purchases were deleted.",
                         "networks.show", network_id=network.id)
    return render_template("servers/delete.html", server=server, network=network, form=form)


def show_key_once(server, key: str, created: bool):
    """The plugin key is shown on this one response and never again; it must not be cached."""
    body = render_template("servers/key.html", server=server, network=server.network, key=key,
                           created=created)
    return body, 200, {"Cache-Control": "no-store"}


def _render_show(server, form):
    return render_template("servers/show.html", server=server, network=server.network,
                           form=form, is_owner=is_owner(server.network_id),
                           jar_built=plugin.jar_path() is not None,
                           plugin_status=game_server.status(server.id))
