"""A Network's Campaigns: join hostnames and/or a code that bring players in."""
from flask import Blueprint
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.attribution import Kind, register
from ledger import campaigns
from models import Campaign

bp = Blueprint("campaigns", __name__, url_prefix="/networks/<int:network_id>/campaigns")


class CampaignForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    hostnames = TextAreaField("Join hostnames (one per line)", render_kw={"rows": 3},
                              description="What players type to connect, e.g. yt.example.net")
    code = StringField("Code (optional)", validators=[Length(max=64)])

    def process(self, formdata=None, obj=None, **kwargs):
        if obj is not None and "hostnames" not in kwargs:
            kwargs["hostnames"] = "\n".join(h.hostname for h in obj.hostnames)
        super().process(formdata, obj, **kwargs)

    def hostname_list(self) -> list[str]:
        return (self.hostnames.data or "").replace(",", "\n").splitlines()


register(bp, Kind(
    endpoint="campaigns", noun="Campaign", plural="Campaigns", model=Campaign,
    intro="A player's Campaign is set on their first join, from the hostname they connected "
          "with (or a code the plugin sends), and never changes.",
    form=CampaignForm, listed=campaigns.campaigns_of,
    create=lambda network, form: campaigns.create_campaign(
        network, form.name.data, form.hostname_list(), form.code.data),
    update=lambda campaign, form: campaigns.update_campaign(
        campaign, form.name.data, form.hostname_list(), form.code.data),
    cells=lambda campaign: {"Join hostnames": [h.hostname for h in campaign.hostnames],
                            "Code": [campaign.code] if campaign.code else []},
    keeps="its players and purchases keep no Campaign",
    links=(("Compare Campaigns", "funnel.compare"), ("Costs", "funnel.costs_index"))))
