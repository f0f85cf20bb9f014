"""The funnel pages' forms: a cost (POST, with CSRF) and the comparison's filters (GET)."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.revenue.forms import CURRENCY, PeriodForm, _sane_day
from ledger.periods import Scope, period_days


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


def read_filters(network, args, today: date) -> tuple[CompareForm, Scope]:
    """The filters of a funnel page's query string, and the Scope they give (a field that
    does not validate falls back to its default)."""
    form = CompareForm(args)
    form.server.choices = [("", "All Servers")] + [(str(s.id), s.name) for s in network.servers]
    form.validate()

    def clean(name):
        return form[name].default if form[name].errors else form[name].data

    start, end = period_days(clean("period"), clean("start"), clean("end"), today)
    server = clean("server")
    return form, Scope(network.id, int(server) if server else None, start, end)


def filter_args(args) -> dict:
    """The filters of a query string, for links to another funnel page that keep them."""
    return {key: args[key] for key in ("period", "start", "end", "server") if args.get(key)}
