"""A Network's Creators: the codes buyers enter at checkout, their commission and what they
are owed each month (ledger/statements.py)."""
from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import DateField, DecimalField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.access import is_owner, network_or_404, object_in_network_or_404, \
    owned_network_or_403
from blueprints.attribution import Kind, register
from blueprints.flow import committed
from blueprints.revenue.export import csv_text
from extensions import db
from ledger import campaigns, statements
from models import Creator
from models.base import utc_today
from money import from_minor

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
    keeps="their purchases keep no Creator", show="creators.show"))


# --- a Creator's page: figures, commission and monthly statements --------------------------

class RateForm(FlaskForm):
    rate = DecimalField("Commission (%)", places=None, validators=[
        InputRequired(), NumberRange(0, 100, "from 0 to 100")])
    starts_on = DateField("From (UTC day)", validators=[InputRequired()],
                          default=utc_today)


class PaidForm(FlaskForm):
    note = TextAreaField("Note (how it was paid)", validators=[Optional(), Length(max=500)])


@bp.get("/<int:object_id>")
def show(network_id: int, object_id: int):
    network = network_or_404(network_id)
    creator = object_in_network_or_404(Creator, object_id, network.id)
    return _render(network, creator, RateForm(), PaidForm())


@bp.post("/<int:object_id>/rate")
def set_rate(network_id: int, object_id: int):
    network = owned_network_or_403(network_id)
    creator = object_in_network_or_404(Creator, object_id, network.id)
    form = RateForm()
    if form.validate_on_submit():
        try:
            statements.set_rate(creator, form.rate.data, form.starts_on.data, current_user.id)
        except statements.StatementError as exc:
            form.rate.errors.append(str(exc).split(": ", 1)[-1])
        else:
            return committed(f"{creator.name}'s commission is {form.rate.data} % from "
                             f"{form.starts_on.data}.", "creators.show",
                             network_id=network.id, object_id=creator.id)
    return _render(network, creator, form, PaidForm()), 400


@bp.post("/<int:object_id>/statements/<month>/paid")
def mark_paid(network_id: int, object_id: int, month: str):
    network = owned_network_or_403(network_id)
    creator = object_in_network_or_404(Creator, object_id, network.id)
    first = _month_or_404(month)
    form = PaidForm()
    if not form.validate_on_submit():
        return _render(network, creator, RateForm(), form), 400
    try:
        statements.mark_paid(creator, first, current_user.id, form.note.data, utc_today())
        db.session.commit()
    except (statements.StatementError, IntegrityError) as exc:  # a second click races the first
        db.session.rollback()
        flash(str(exc) if isinstance(exc, statements.StatementError)
              else "That month is already marked paid.", "error")
    else:
        flash(f"{first:%B %Y} is marked paid.", "success")
    return redirect(url_for("creators.show", network_id=network.id, object_id=creator.id))


@bp.get("/<int:object_id>/statements.csv")
def statements_csv(network_id: int, object_id: int):
    network = network_or_404(network_id)
    creator = object_in_network_or_404(Creator, object_id, network.id)
    rows = statement_rows(statements.statements(creator, utc_today()))
    return Response("".join(csv_text(rows)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="statements-creator-{creator.id}.csv"'})


def statement_rows(found):
    yield ("month", "currency", "net", "commission", "adjustments", "owed", "paid_at", "paid_by",
           "note")
    for statement in found:
        payment = statement.payment
        for line in statement.lines:
            yield (f"{statement.month:%Y-%m}", line.currency, from_minor(line.net, line.currency),
                   from_minor(line.earned, line.currency),
                   from_minor(line.total - line.earned, line.currency),
                   from_minor(line.total, line.currency),
                   payment.paid_at.isoformat() if payment else "",
                   payment.payer.email if payment and payment.payer else "",
                   payment.note or "" if payment else "")


def _render(network, creator, rate_form, paid_form):
    return render_template("attribution/creator.html", network=network, rate_form=rate_form,
                           paid_form=paid_form, is_owner=is_owner(network.id),
                           **page_figures(creator, utc_today()))


def page_figures(creator, today: date) -> dict:
    """What the Creator's page shows, for its own view and for a share link's."""
    return {"creator": creator, "rates": statements.rates(creator.id),
            "statements": statements.statements(creator, today),
            "this_month": today.replace(day=1), "activity": statements.monthly_activity(creator),
            "buyers": statements.creator_buyers(creator), "percent": statements.percent}


def _month_or_404(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        abort(404)


