"""Share links: owners make read-only links to one Campaign's or one Creator's page; whoever
has one sees that page's figures without an account, and nothing else of the Network."""
from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from blueprints.access import is_owner, network_or_404, object_in_network_or_404, \
    owned_network_or_403
from blueprints.flow import PostForm, committed
from blueprints.creators import page_figures as creator_figures
from blueprints.funnel.campaign import page_figures as campaign_figures
from extensions import db, limiter
from ledger import campaigns, share_links
from ledger.periods import Scope
from models import Network, ShareLink
from models.base import utc_today
from models.share_link import CAMPAIGN, CREATOR

bp = Blueprint("share", __name__)


class ShareForm(FlaskForm):
    target = SelectField("Page to share", choices=[])
    show_names = BooleanField("Show player names (emails are never shown)")
    days = IntegerField("Expires after (days; empty: never)",
                        validators=[Optional(), NumberRange(1, 3650)])


@bp.get("/share/<token>")
@limiter.limit(lambda: current_app.config["SHARE_RATE_LIMIT"])
def view(token: str):
    """Wrong, revoked and expired tokens all get the same 404."""
    found = share_links.find(token)
    if found is None:
        abort(404)
    link, target = found
    today = utc_today()
    recent = share_links.recent_purchases(link.kind, target.id)
    if link.kind == CREATOR:
        return render_template("attribution/creator.html", shared=True, link=link,
                               recent=recent, network=None, is_owner=False,
                               **creator_figures(target, today))
    figures = campaign_figures(db.session.get(Network, link.network_id), target.id,
                               Scope(link.network_id), today)
    return render_template("funnel/campaign.html", shared=True, link=link, recent=recent,
                           network=None, name=target.name, campaign_id=target.id,
                           server_filtered=False, **figures)


@bp.get("/networks/<int:network_id>/share-links")
def index(network_id: int):
    network = network_or_404(network_id)
    return _page(network, _form(network))


@bp.post("/networks/<int:network_id>/share-links")
def make(network_id: int):
    network = owned_network_or_403(network_id)
    form = _form(network)
    if not form.validate_on_submit():
        return _page(network, form), 400
    kind, object_id = form.target.data.split(":")
    link, token = share_links.make(network.id, kind, int(object_id), form.show_names.data,
                                   form.days.data, current_user.id)
    db.session.commit()
    # The link is on this one response and never again; it must not be cached.
    return _page(network, _form(network, formdata=None), made=(link, token)), 200, \
        {"Cache-Control": "no-store"}


@bp.post("/networks/<int:network_id>/share-links/<int:link_id>/revoke")
def revoke(network_id: int, link_id: int):
    network = owned_network_or_403(network_id)
    link = object_in_network_or_404(ShareLink, link_id, network.id)
    if not PostForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    share_links.revoke(link)
    return committed("The link is revoked: it shows nothing any more.", "share.index",
                     network_id=network.id)


def _form(network, **kwargs) -> ShareForm:
    form = ShareForm(**kwargs)
    form.target.choices = [(f"{CAMPAIGN}:{c.id}", f"Campaign {c.name}")
                           for c in campaigns.campaigns_of(network)] + \
        [(f"{CREATOR}:{c.id}", f"Creator {c.name}") for c in campaigns.creators_of(network)]
    return form


def _page(network, form, made=None):
    return render_template("share/index.html", network=network, form=form, made=made,
                           links=share_links.of_network(network.id),
                           is_owner=is_owner(network.id))
