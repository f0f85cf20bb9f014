"""The Network's currency settings: a display currency and exchange rates into it."""
from decimal import Decimal, DecimalException

from flask import render_template

from blueprints.access import network_or_404, owned_network_or_403
from blueprints.revenue import bp
from blueprints.revenue.forms import DisplayCurrencyForm, RateForm
from blueprints.flow import committed
from extensions import db
from ledger import exchange_rates, revenue


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
    network = owned_network_or_403(network_id)
    form = DisplayCurrencyForm()
    if not form.validate_on_submit():
        return _settings(network, 400, display_form=form)
    exchange_rates.set_display_currency(network, (form.display_currency.data or "").upper())
    return committed("Display currency saved.", "revenue.settings", network_id=network.id)


@bp.post("/networks/<int:network_id>/revenue/settings/rates")
def set_rate(network_id: int):
    network = owned_network_or_403(network_id)
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
    return committed("Exchange rate saved.", "revenue.settings", network_id=network.id)


@bp.post("/networks/<int:network_id>/revenue/settings/rates/<currency>/delete")
def delete_rate(network_id: int, currency: str):
    network = owned_network_or_403(network_id)
    exchange_rates.delete_rate(network.id, currency)
    return committed("Exchange rate removed.", "revenue.settings", network_id=network.id)
