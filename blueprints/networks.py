"""Networks: the list, creating one, its Servers and its members."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from blueprints.access import is_owner, network_or_404, owned_network_or_403
from blueprints.servers import show_key_once
from blueprints.flow import PostForm, committed
from extensions import db
from ledger import accounts
from ledger.servers import create_server
from models import MEMBER, OWNER, Membership, Network

bp = Blueprint("networks", __name__, url_prefix="/networks")


class NetworkForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])


class ServerForm(FlaskForm):
    name = StringField("Server name", validators=[DataRequired(), Length(max=100)])


class MemberForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password (only to create a new account)",
                             validators=[Optional(), Length(min=accounts.MIN_PASSWORD, max=200)])
    role = SelectField("Role", choices=[MEMBER, OWNER], default=MEMBER)


@bp.route("/", methods=["GET", "POST"])
def index():
    form = NetworkForm()
    if form.validate_on_submit():
        network = accounts.create_network(current_user, form.name.data)
        return committed(f"Network {network.name} created.", "networks.show", network_id=network.id)
    networks = db.session.scalars(select(Network).join(Membership).filter(
        Membership.user_id == current_user.id).order_by(Network.name)).all()
    return render_template("networks/index.html", networks=networks, form=form)


@bp.route("/<int:network_id>", methods=["GET", "POST"])
def show(network_id: int):
    """The Network's Servers; POST creates one and shows its plugin key once."""
    network = network_or_404(network_id)
    form = ServerForm()
    if form.validate_on_submit():
        server, key = create_server(network, form.name.data)
        db.session.commit()
        return show_key_once(server, key, created=True)
    return render_template("networks/show.html", network=network, form=form,
                           is_owner=is_owner(network_id))


@bp.route("/<int:network_id>/members", methods=["GET", "POST"])
def members(network_id: int):
    """Everyone in the Network sees who is in it; only owners add people."""
    if request.method == "POST":
        owned_network_or_403(network_id)
    network = network_or_404(network_id)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            membership = accounts.add_member(network, form.email.data, form.role.data,
                                             form.password.data or None)
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            return committed(f"{membership.user.email} is now a {membership.role} of "
                             f"{network.name}.", "networks.members", network_id=network.id)
    return render_template("networks/members.html", network=network, form=form,
                           is_owner=is_owner(network_id))


@bp.post("/<int:network_id>/members/<int:user_id>/remove")
def remove_member(network_id: int, user_id: int):
    """Owners only. Removing yourself is allowed while another owner remains."""
    network = owned_network_or_403(network_id)
    membership = db.session.scalar(select(Membership).filter_by(network_id=network.id,
                                                                user_id=user_id))
    if membership is None:
        abort(404)
    if PostForm().validate_on_submit():
        email = membership.user.email
        try:
            accounts.remove_member(network, email, by=current_user)
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"{email} is no longer in {network.name}.", "success")
            if user_id == current_user.id:
                return redirect(url_for("networks.index"))
    return redirect(url_for("networks.members", network_id=network.id))
