"""The funnel pages' forms: a cost (POST, with CSRF) and the comparison's filters (GET)."""
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.revenue.forms import CURRENCY, PeriodForm, _sane_day


class CostForm(FlaskForm):
    campaign = SelectField("Campaign", coerce=int)
    amount = StringField("Amount", validators=[DataRequired(), Length(max=20)],
                         description="e.g. 200 or 49.99")
    currency = StringField("Currency", validators=[DataRequired(), CURRENCY], default="EUR")
    first_day = DateField("From", validators=[DataRequired(), _sane_day])
    last_day = DateField("To (empty: one day)", validators=[Optional(), _sane_day])


class CompareForm(PeriodForm):
    """The period, and a Server instead of a store (costs and joins have no store)."""

    store = None
    server = SelectField("Server", choices=[("", "All Servers")], default="")
    sort = StringField(validators=[Optional(), Length(max=40)])
