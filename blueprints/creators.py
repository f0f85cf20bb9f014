"""A Network's Creators: the codes buyers enter at checkout."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from blueprints.access import network_or_404, object_in_network_or_404, owned_network_or_404
from blueprints.campaigns import DeleteForm, saved
from extensions import db
from ledger import campaigns
from models import Creator

bp = Blueprint("creators", __name__, url_prefix="/networks/<int:network_id>/creators")


class CreatorForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    code = StringField("Code", validators=[DataRequired(), Length(max=64)])


@bp.before_request
@login_required
def _require_login():
    pass


@bp.route("/", methods=["GET", "POST"])
def index(network_id: int):
    network = network_or_404(network_id)
    form = CreatorForm()
    if form.validate_on_submit() and saved(form, lambda: campaigns.create_creator(
            network, form.name.data, form.code.data)):
        return redirect(url_for("creators.index", network_id=network.id))
    return render_template("creators/index.html", network=network, form=form,
                           creators=campaigns.creators_of(network), delete_form=DeleteForm())


@bp.route("/<int:creator_id>/edit", methods=["GET", "POST"])
def edit(network_id: int, creator_id: int):
    network = network_or_404(network_id)
    creator = object_in_network_or_404(Creator, creator_id, network.id)
    form = CreatorForm(obj=creator)
    if form.validate_on_submit() and saved(form, lambda: campaigns.update_creator(
            creator, form.name.data, form.code.data)):
        return redirect(url_for("creators.index", network_id=network.id))
    return render_template("creators/edit.html", network=network, creator=creator, form=form)


@bp.post("/<int:creator_id>/delete")
def delete(network_id: int, creator_id: int):
    """Owners only: the Network's revenue is recounted without it."""
    network = owned_network_or_404(network_id)
    creator = object_in_network_or_404(Creator, creator_id, network.id)
    if DeleteForm().validate_on_submit():
        campaigns.delete(creator)
        db.session.commit()
        flash(f"Creator {creator.name} deleted; their purchases keep no Creator.", "success")
    return redirect(url_for("creators.index", network_id=network.id))
