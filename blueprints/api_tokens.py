"""A Network's read API tokens: everyone in the Network sees the list; owners make and revoke."""
from flask import Blueprint, abort, render_template
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from blueprints.access import is_owner, network_or_404, object_in_network_or_404, \
    owned_network_or_403
from blueprints.flow import PostForm, committed
from extensions import db
from ledger import api_tokens
from models import ApiToken

bp = Blueprint("api_tokens", __name__, url_prefix="/networks/<int:network_id>/api-tokens")


class TokenForm(FlaskForm):
    name = StringField("What it is for", validators=[
        DataRequired(), Length(max=100),
        Regexp(r"^[^\x00-\x1f\x7f]*\Z", message="must not contain control characters")])


@bp.get("/")
def index(network_id: int):
    return _page(network_or_404(network_id), TokenForm())


@bp.post("/")
def make(network_id: int):
    network = owned_network_or_403(network_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(network, form), 400
    row, token = api_tokens.make(network.id, form.name.data, current_user.id)
    db.session.commit()
    # Shown on this one response and never again; it must not be cached.
    return _page(network, TokenForm(formdata=None), made=(row, token)), 200, \
        {"Cache-Control": "no-store"}


@bp.post("/<int:token_id>/revoke")
def revoke(network_id: int, token_id: int):
    network = owned_network_or_403(network_id)
    row = object_in_network_or_404(ApiToken, token_id, network.id)
    if not PostForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    api_tokens.revoke(row, current_user.id)
    return committed(f"The token {row.name!r} is revoked: it no longer works.",
                     "api_tokens.index", network_id=network.id)


def _page(network, form, made=None):
    return render_template("networks/api_tokens.html", network=network, form=form, made=made,
                           tokens=api_tokens.of_network(network.id),
                           is_owner=is_owner(network.id))
