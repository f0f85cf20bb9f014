"""A Network's Campaigns: join hostnames and/or a code that bring players in."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.access import network_or_404, object_in_network_or_404, owned_network_or_404
from extensions import db
from ledger import campaigns
from models import Campaign

bp = Blueprint("campaigns", __name__, url_prefix="/networks/<int:network_id>/campaigns")


class CampaignForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    hostnames = TextAreaField("Join hostnames (one per line)", render_kw={"rows": 3},
                              description="What players type to connect, e.g. yt.example.net")
    code = StringField("Code (optional)", validators=[Length(max=64)])

    def hostname_list(self) -> list[str]:
        return (self.hostnames.data or "").replace(",", "\n").splitlines()


class DeleteForm(FlaskForm):
    """No fields: a POST with a CSRF token."""


@bp.before_request
@login_required
def _require_login():
    pass


@bp.route("/", methods=["GET", "POST"])
def index(network_id: int):
    network = network_or_404(network_id)
    form = CampaignForm()
    if form.validate_on_submit() and saved(form, lambda: campaigns.create_campaign(
            network, form.name.data, form.hostname_list(), form.code.data)):
        return redirect(url_for("campaigns.index", network_id=network.id))
    return render_template("campaigns/index.html", network=network, form=form,
                           campaigns=campaigns.campaigns_of(network), delete_form=DeleteForm())


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(network_id: int, campaign_id: int):
    network = network_or_404(network_id)
    campaign = object_in_network_or_404(Campaign, campaign_id, network.id)
    form = CampaignForm(obj=campaign, hostnames="\n".join(h.hostname for h in campaign.hostnames))
    if form.validate_on_submit() and saved(form, lambda: campaigns.update_campaign(
            campaign, form.name.data, form.hostname_list(), form.code.data)):
        return redirect(url_for("campaigns.index", network_id=network.id))
    return render_template("campaigns/edit.html", network=network, campaign=campaign, form=form)


@bp.post("/<int:campaign_id>/delete")
def delete(network_id: int, campaign_id: int):
    """Owners only: the Network's revenue is recounted without it."""
    network = owned_network_or_404(network_id)
    campaign = object_in_network_or_404(Campaign, campaign_id, network.id)
    if DeleteForm().validate_on_submit():
        campaigns.delete(campaign)
        db.session.commit()
        flash(f"Campaign {campaign.name} deleted; its players keep no Campaign.", "success")
    return redirect(url_for("campaigns.index", network_id=network.id))


def saved(form, save) -> bool:
    """Run a ledger save; commit, or put its error on the field it names. Shared with creators."""
    try:
        obj = save()
    except campaigns.AttributionError as exc:
        form[exc.field].errors.append(exc.message)
        db.session.rollback()
        return False
    db.session.commit()
    flash(f"{obj.name} saved.", "success")
    return True
