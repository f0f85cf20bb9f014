"""Networks: the list, creating one, and its Servers."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from blueprints.access import network_or_404
from extensions import db
from ledger import accounts
from models import Membership, Network

bp = Blueprint("networks", __name__, url_prefix="/networks")


class NetworkForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])


@bp.before_request
@login_required
def _require_login():
    pass


@bp.route("/", methods=["GET", "POST"])
def index():
    form = NetworkForm()
    if form.validate_on_submit():
        network = accounts.create_network(current_user, form.name.data)
        db.session.commit()
        flash(f"Network {network.name} created.", "success")
        return redirect(url_for("networks.show", network_id=network.id))
    networks = db.session.scalars(select(Network).join(Membership).filter(
        Membership.user_id == current_user.id).order_by(Network.name)).all()
    return render_template("networks/index.html", networks=networks, form=form)


@bp.get("/<int:network_id>")
def show(network_id: int):
    network = network_or_404(network_id)
    return render_template("networks/show.html", network=network)
