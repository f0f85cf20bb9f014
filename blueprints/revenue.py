"""Revenue pages: figures and breakdowns, the purchase list and CSV, purchase detail and
corrections, and the Network's currency settings. Queries live in ledger/revenue.py."""
import csv
import io
import uuid
from urllib.parse import urlencode
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, DecimalException

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import (UUID, DataRequired, Length, Optional, Regexp,
                                ValidationError)

from blueprints.access import network_or_404, owned_network_or_404, row_or_404, server_or_404
from extensions import db
from ledger import exchange_rates, revenue
from ledger.corrections import CorrectionError, apply_reversal, link_purchase, unlink_purchase
from ledger.purchases import find_player
from models import Campaign, Creator, Delivery, Purchase
from models.purchase import CHARGEBACK, REFUND
from providers.base import MAX_AMOUNT, PayloadError, from_minor, to_minor

bp = Blueprint("revenue", __name__)

PAGE_SIZE = 50
PERIODS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"),
           ("all", "All time"), ("custom", "Custom range")]


@bp.before_request
@login_required
def _require_login():
    pass


# --- input ----------------------------------------------------------------------------

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _sane_day(form, field):
    """Far dates would overflow the date arithmetic (end + 1 day, the next month)."""
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(f"must be between {FIRST_DAY} and {LAST_DAY}")


# PostgreSQL refuses NUL in text (a 500 if it reaches a query); names have no control characters.
NO_NUL = Regexp(r"^[^\x00]*\Z", message="must not contain NUL characters")
NO_CONTROL = Regexp(r"^[^\x00-\x1f\x7f]*\Z", message="must not contain control characters")


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


def _read_form(form_class, network, server):
    form = form_class(request.args)
    form.store.choices = [("", "All stores")] + [
        (s, s) for s in revenue.stores(network.id, server.id if server else None)]
    if hasattr(form, "campaign"):
        form.campaign.choices = [("", "All"), ("0", "No Campaign")] + [
            (str(i), name) for i, name in _names(Campaign, network.id)]
        form.creator.choices = [("", "All"), ("0", "No creator code")] + [
            (str(i), name) for i, name in _names(Creator, network.id)]
    form.validate()
    return form


def _names(model, network_id):
    return db.session.execute(select(model.id, model.name).filter_by(network_id=network_id)
                              .order_by(model.name)).all()


def _clean(form, name):
    """A field's value, or its default when it did not validate."""
    field = form[name]
    return field.default if field.errors else field.data


def _scope(form, network, server, today: date | None = None) -> revenue.Scope:
    today = today or datetime.now(timezone.utc).date()
    period = _clean(form, "period")
    start = end = None
    if period == "custom":
        start, end = _clean(form, "start"), _clean(form, "end")
    elif period != "all":
        start = today - timedelta(days=int(period) - 1)
    return revenue.Scope(network.id, server.id if server else None, start, end,
                         _clean(form, "store") or None)


def _purchase_filter(form, scope) -> revenue.PurchaseFilter:
    matched = {"matched": True, "unmatched": False}.get(_clean(form, "matched"))
    campaign, creator = _clean(form, "campaign"), _clean(form, "creator")
    return revenue.PurchaseFilter(
        scope, matched=matched, campaign_id=int(campaign) if campaign else None,
        creator_id=int(creator) if creator else None, player=_clean(form, "player") or None)


def _target(network_id=None, server_id=None):
    """(network, server) for a Network or Server route, checking membership (404 otherwise)."""
    if server_id is not None:
        server = server_or_404(server_id)
        return server.network, server
    return network_or_404(network_id), None


# --- pages ----------------------------------------------------------------------------

@bp.get("/networks/<int:network_id>/revenue")
@bp.get("/servers/<int:server_id>/revenue")
def overview(network_id=None, server_id=None):
    network, server = _target(network_id, server_id)
    form = _read_form(PeriodForm, network, server)
    scope = _scope(form, network, server)
    totals = revenue.headline(scope)
    converted = exchange_rates.converted_total(network, {t.currency: t.net for t in totals})
    return render_template("revenue/overview.html", network=network, server=server, form=form,
                           totals=totals, converted=converted, tables=_tables(scope, server),
                           charts=charts(scope))


BREAKDOWNS = [("campaign", "By Campaign"), ("creator", "By creator code"),
              ("store", "By store"), ("item", "By item"), ("server", "By Server")]


def _tables(scope, server):
    tables = []
    for by, title in BREAKDOWNS:
        if by == "server" and server is not None:
            continue
        sort = request.args.get(f"sort_{by}", "-net")
        rows = revenue.items(scope, sort) if by == "item" else revenue.breakdown(scope, by, sort)
        tables.append({"by": by, "title": title, "rows": rows, "sort": sort})
    return tables


@bp.get("/networks/<int:network_id>/revenue/purchases")
@bp.get("/servers/<int:server_id>/revenue/purchases")
def purchases(network_id=None, server_id=None):
    network, server = _target(network_id, server_id)
    form = _read_form(PurchaseFilterForm, network, server)
    filters = _purchase_filter(form, _scope(form, network, server))
    try:
        page = revenue.purchase_page(filters, after=request.args.get("after"),
                                     before=request.args.get("before"), size=PAGE_SIZE)
    except ValueError:
        abort(400, "That page link is not valid.")
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request")
    template = "revenue/_purchase_table.html" if partial else "revenue/purchases.html"
    response = Response(render_template(template, network=network, server=server, form=form,
                                        page=page))
    response.vary.add("HX-Request")
    return response


@bp.get("/networks/<int:network_id>/revenue/purchases.csv")
@bp.get("/servers/<int:server_id>/revenue/purchases.csv")
def purchases_csv(network_id=None, server_id=None):
    network, server = _target(network_id, server_id)
    form = _read_form(PurchaseFilterForm, network, server)
    filters = _purchase_filter(form, _scope(form, network, server))
    name = f"purchases-{network.id}{f'-{server.id}' if server else ''}.csv"
    return Response(stream_with_context(csv_lines(revenue.iter_purchases(filters))),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


CSV_HEADER = ("purchased_at", "id", "server", "store", "transaction_id", "username", "matched",
              "campaign", "creator", "coupon", "currency", "amount", "reversed", "net", "items")


def csv_lines(purchases):
    """The CSV text, one line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells):
        writer.writerow([neutralise(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(CSV_HEADER)
    for p in purchases:
        yield line((
            p.purchased_at.isoformat(), p.id, p.server.name, p.store, p.transaction_id,
            p.username, "yes" if p.player_id else "no", p.campaign.name if p.campaign else "",
            p.creator.name if p.creator else "", p.coupon or "", p.currency,
            from_minor(p.amount_minor, p.currency), from_minor(p.reversed_minor, p.currency),
            from_minor(p.net_minor, p.currency), items_text(p.items)))


def neutralise(cell) -> str:
    """Spreadsheets run cells starting with these as formulas; a leading ' keeps them text."""
    text = str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def items_text(items) -> str:
    return "; ".join(f"{i.quantity} x {i.name}" for i in items)


# --- purchase detail and corrections -----------------------------------------------------

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


def _purchase_or_404(purchase_id: int) -> Purchase:
    return row_or_404(Purchase, purchase_id)


@bp.get("/purchases/<int:purchase_id>")
def purchase(purchase_id: int):
    return _detail(_purchase_or_404(purchase_id))


def _detail(purchase, status=200, **forms):
    forms = {"reversal_form": ReversalForm(formdata=None), "link_form": LinkForm(formdata=None),
             "unlink_form": UnlinkForm(formdata=None), **forms}
    delivery = db.session.get(Delivery, purchase.delivery_id) if purchase.delivery_id else None
    return render_template("revenue/purchase.html", purchase=purchase, delivery=delivery,
                           network=purchase.server.network, **forms), status


@bp.post("/purchases/<int:purchase_id>/reversals")
def reverse(purchase_id: int):
    purchase = _purchase_or_404(purchase_id)
    form = ReversalForm()
    if not form.validate_on_submit():
        return _detail(purchase, 400, reversal_form=form)
    try:
        amount = _amount_minor(form.amount.data, purchase.currency)
        _, created = apply_reversal(purchase, form.kind.data, amount, user_id=current_user.id,
                                    external_id=form.external_id(),
                                    reason=form.reason.data.strip())
    except (CorrectionError, PayloadError) as exc:
        db.session.rollback()
        form.amount.errors.append(str(exc))
        return _detail(_purchase_or_404(purchase_id), 400, reversal_form=form)
    db.session.commit()
    if created:
        flash(f"{form.kind.data.capitalize()} recorded.", "success")
    else:
        flash(f"This {form.kind.data} was already recorded (the form was sent twice); "
              "nothing was added.", "info")
    return redirect(url_for("revenue.purchase", purchase_id=purchase_id))


def _amount_minor(text: str | None, currency: str) -> int | None:
    if not text or not text.strip():
        return None
    try:
        value = Decimal(text.strip())
        if value.is_finite() and abs(value) > MAX_AMOUNT:  # larger than any purchase
            raise CorrectionError(f"the amount is above the {MAX_AMOUNT} limit")
        return to_minor(value, currency, "the amount")
    except DecimalException:  # not a number, or an exponent too large for Decimal
        raise CorrectionError("the amount is not a number") from None


@bp.post("/purchases/<int:purchase_id>/link")
def link(purchase_id: int):
    purchase = _purchase_or_404(purchase_id)
    form = LinkForm()
    player = None
    if form.validate_on_submit():
        player = find_player(purchase.server_id, form.username.data)
        if player is None:
            form.username.errors.append("No player with that name has joined this Server.")
    if form.errors:
        return _detail(purchase, 400, link_form=form)
    return _correct(purchase, link_purchase, player, user_id=current_user.id,
                    reason=form.reason.data.strip())


@bp.post("/purchases/<int:purchase_id>/unlink")
def unlink(purchase_id: int):
    purchase = _purchase_or_404(purchase_id)
    form = UnlinkForm()
    if not form.validate_on_submit():
        return _detail(purchase, 400, unlink_form=form)
    return _correct(purchase, unlink_purchase, user_id=current_user.id,
                    reason=form.reason.data.strip())


def _correct(purchase, action, *args, **kwargs):
    try:
        action(purchase, *args, **kwargs)
    except CorrectionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Correction recorded.", "success")
    return redirect(url_for("revenue.purchase", purchase_id=purchase.id))


# --- currency settings -------------------------------------------------------------------

CURRENCY = Regexp(r"^[A-Za-z]{3}$", message="a 3-letter currency code")


class DisplayCurrencyForm(FlaskForm):
    display_currency = StringField("Display currency (empty: none)",
                                   validators=[Optional(), CURRENCY])


class RateForm(FlaskForm):
    currency = StringField("Currency", validators=[DataRequired(), CURRENCY])
    rate = StringField("Worth (in display currency)", validators=[DataRequired(), Length(max=30)])


@bp.get("/networks/<int:network_id>/revenue/settings")
def settings(network_id: int):
    return _settings(network_or_404(network_id))


def _settings(network, status=200, **forms):
    forms = {"display_form": DisplayCurrencyForm(formdata=None,
                                                 display_currency=network.display_currency),
             "rate_form": RateForm(formdata=None), **forms}
    rates = {c: exchange_rates.rate_text(n) for c, n in exchange_rates.rates(network.id).items()}
    return render_template("revenue/settings.html", network=network, rates=rates,
                           currencies=revenue.currencies(network.id), **forms), status


@bp.post("/networks/<int:network_id>/revenue/settings/display")
def set_display_currency(network_id: int):
    network = owned_network_or_404(network_id)
    form = DisplayCurrencyForm()
    if not form.validate_on_submit():
        return _settings(network, 400, display_form=form)
    exchange_rates.set_display_currency(network, (form.display_currency.data or "").upper())
    db.session.commit()
    flash("Display currency saved.", "success")
    return redirect(url_for("revenue.settings", network_id=network.id))


@bp.post("/networks/<int:network_id>/revenue/settings/rates")
def set_rate(network_id: int):
    network = owned_network_or_404(network_id)
    form = RateForm()
    if form.validate_on_submit():
        try:
            exchange_rates.set_rate(network.id, form.currency.data.upper(),
                                    Decimal(form.rate.data.strip()))
        except (DecimalException, exchange_rates.RateError) as exc:
            form.rate.errors.append(str(exc) if str(exc) else "not a number")
    if form.errors:
        db.session.rollback()
        return _settings(network, 400, rate_form=form)
    db.session.commit()
    flash("Exchange rate saved.", "success")
    return redirect(url_for("revenue.settings", network_id=network.id))


@bp.post("/networks/<int:network_id>/revenue/settings/rates/<currency>/delete")
def delete_rate(network_id: int, currency: str):
    network = owned_network_or_404(network_id)
    exchange_rates.delete_rate(network.id, currency)
    db.session.commit()
    flash("Exchange rate removed.", "success")
    return redirect(url_for("revenue.settings", network_id=network.id))


# --- template helpers ---------------------------------------------------------------------

@bp.app_template_filter("mask_email")
def mask_email(email: str | None) -> str:
    """p***@example.com"""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else f"{local[:1]}***"


@bp.app_template_filter("permille")
def permille_text(value: int | None) -> str:
    if value is None:
        return "—"
    whole, tenth = divmod(abs(value), 10)
    return f"{'-' if value < 0 else ''}{whole}.{tenth}%"


@bp.context_processor
def _helpers():
    return {"args_url": args_url, "export_url": export_url}


FILTER_ARGS = ("period", "start", "end", "store", "matched", "campaign", "creator", "player")
PAGE_ARGS = ("after", "before")


def _sort_args() -> tuple[str, ...]:
    return tuple(f"sort_{by}" for by, _ in BREAKDOWNS)


def _link(endpoint: str, args: dict, keep: tuple[str, ...]) -> str:
    """The URL of ``endpoint`` for this page's Network or Server, with the query arguments
    in ``keep`` (others are dropped: they must not reach url_for, where names such as
    network_id, _anchor or _external would clash with or change the link)."""
    query = urlencode([(key, args[key]) for key in keep if args.get(key)])
    path = url_for(endpoint, **request.view_args)
    return f"{path}?{query}" if query else path


def args_url(**changes) -> str:
    """This page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return _link(request.endpoint, args, FILTER_ARGS + PAGE_ARGS + _sort_args())


def export_url() -> str:
    """The CSV of the purchase list as filtered now (all pages)."""
    return _link("revenue.purchases_csv", request.args.to_dict(), FILTER_ARGS)


# --- the chart ------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, MAX_DAYS = 720, 160, 120


def charts(scope) -> list[dict]:
    """Bar geometry (integers) for an inline SVG per currency: per day, or per month when
    the period is longer than MAX_DAYS."""
    start = scope.start or revenue.first_month(scope.network_id, scope.server_id)
    if start is None:
        return []
    end = scope.end or datetime.now(timezone.utc).date()
    monthly = (end - start).days >= MAX_DAYS
    if monthly:
        start = start.replace(day=1)
    buckets = _buckets(start, end, monthly)
    if not buckets:  # a period starting after today
        return []
    result = []
    for currency, points in sorted(revenue.net_by_day(scope, monthly).items()):
        values = dict.fromkeys(buckets, 0)
        for day, net in points:
            if day in values:
                values[day] += net
        result.append(_bars(currency, list(values.items()), monthly))
    return result


def _buckets(start: date, end: date, monthly: bool) -> list[date]:
    days, day = [], start
    while day <= end:
        days.append(day)
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1) if monthly else (
            day + timedelta(days=1))
    return days


def _bars(currency, points, monthly) -> dict:
    top = max(max(value for _, value in points), 1)
    width = max(CHART_WIDTH // len(points), 1)
    bars = []
    for i, (day, value) in enumerate(points):
        height = max(value, 0) * CHART_HEIGHT // top
        label = day.strftime("%Y-%m") if monthly else day.isoformat()
        bars.append({"x": i * width, "y": CHART_HEIGHT - height, "width": max(width - 1, 1),
                     "height": height, "label": label, "value": value})
    return {"currency": currency, "bars": bars, "top": top, "width": width * len(points),
            "height": CHART_HEIGHT, "first": points[0][0], "monthly": monthly}
