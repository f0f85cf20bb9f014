"""The revenue pages' forms: the period and filters (GET), corrections and currency settings."""
import uuid
from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import UUID, DataRequired, Length, Optional, Regexp, ValidationError

from models.purchase import CHARGEBACK, REFUND

PERIODS = [("1", "Today"), ("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"),
           ("all", "All time"), ("custom", "Custom range")]
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
# PostgreSQL refuses NUL in text (a 500 if it reaches a query); names have no control characters.
NO_NUL = Regexp(r"^[^\x00]*\Z", message="must not contain NUL characters")
NO_CONTROL = Regexp(r"^[^\x00-\x1f\x7f]*\Z", message="must not contain control characters")
CURRENCY = Regexp(r"^[A-Za-z]{3}$", message="a 3-letter currency code")


def _sane_day(form, field):
    """Far dates would overflow the date arithmetic (end + 1 day, the next month)."""
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(f"must be between {FIRST_DAY} and {LAST_DAY}")


class PeriodForm(Form):
    """The period and store selector (GET; no CSRF needed, nothing changes)."""

    period = SelectField("Period", choices=PERIODS, default="30")
    start = DateField("From", validators=[Optional(), _sane_day])
    end = DateField("To", validators=[Optional(), _sane_day])
    store = SelectField("Store", choices=[("", "All stores")], default="")

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError("must not be before From")


class PurchaseFilterForm(PeriodForm):
    matched = SelectField("Player", choices=[("", "All"), ("matched", "Matched"),
                                             ("unmatched", "Unmatched")], default="")
    campaign = SelectField("Campaign", choices=[("", "All")], default="")
    creator = SelectField("Creator", choices=[("", "All")], default="")
    player = StringField("Player name", validators=[Optional(), Length(max=64), NO_CONTROL])


class ReversalForm(FlaskForm):
    kind = SelectField("Kind", choices=[(REFUND, "Refund"), (CHARGEBACK, "Chargeback")])
    amount = StringField("Amount (empty: all that remains)", validators=[Optional(),
                                                                         Length(max=20)])
    reason = TextAreaField("Why", validators=[DataRequired(), Length(max=500), NO_NUL])
    # Made when the form is shown; a second submission of the same form (a double click)
    # finds the reversal recorded under it. A UUID, so it cannot be a store's refund id.
    nonce = HiddenField(validators=[Optional(), UUID()], default=lambda: str(uuid.uuid4()))

    def external_id(self) -> str | None:
        if not self.nonce.raw_data or not self.nonce.data:
            return None  # an older page without the field
        return f"form:{uuid.UUID(self.nonce.data)}"


class LinkForm(FlaskForm):
    username = StringField("Player name on this Server", validators=[DataRequired(),
                                                                     Length(max=32), NO_CONTROL])
    reason = TextAreaField("Why", validators=[DataRequired(), Length(max=500), NO_NUL])


class UnlinkForm(FlaskForm):
    reason = TextAreaField("Why", validators=[DataRequired(), Length(max=500), NO_NUL])


class DisplayCurrencyForm(FlaskForm):
    display_currency = StringField("Display currency (empty: none)",
                                   validators=[Optional(), CURRENCY])


class RateForm(FlaskForm):
    currency = StringField("Currency", validators=[DataRequired(), CURRENCY])
    rate = StringField("Worth (in display currency)", validators=[DataRequired(), Length(max=30)])
