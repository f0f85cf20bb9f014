"""A Network's Creators: the codes buyers enter at checkout."""
from flask import Blueprint
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from blueprints.attribution import Kind, register
from ledger import campaigns
from models import Creator

bp = Blueprint("creators", __name__, url_prefix="/networks/<int:network_id>/creators")


class CreatorForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    code = StringField("Code", validators=[DataRequired(), Length(max=64)])


register(bp, Kind(
    endpoint="creators", noun="Creator", plural="Creators", model=Creator,
    intro="A purchase made with a Creator's code (any letter case) is credited to them.",
    form=CreatorForm, listed=campaigns.creators_of,
    create=lambda network, form: campaigns.create_creator(network, form.name.data,
                                                          form.code.data),
    update=lambda creator, form: campaigns.update_creator(creator, form.name.data,
                                                          form.code.data),
    cells=lambda creator: {"Code": [creator.code]},
    keeps="their purchases keep no Creator"))
