"""Costs: owners record, edit and delete what a Campaign cost; members see the list."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from blueprints.access import (is_owner, network_or_404, object_in_network_or_404,
                               owned_network_or_403)
from blueprints.funnel import bp
from blueprints.funnel.forms import CostForm
from extensions import db
from ledger import campaigns, costs
from models import Campaign, Cost
from money import from_minor


def _form(network, obj=None) -> CostForm:
    prefill = {"campaign": obj.campaign_id, "amount": from_minor(obj.amount_minor, obj.currency)} \
        if obj else {}
    form = CostForm(obj=obj, **prefill)
    form.campaign.choices = [(c.id, c.name) for c in campaigns.campaigns_of(network)]
    return form


def _saved(form, save) -> bool:
    try:
        save()
    except campaigns.AttributionError as exc:
        form[exc.field].errors.append(exc.message)
        db.session.rollback()
        return False
    db.session.commit()
    flash("Cost saved.", "success")
    return True


def _values(form, network) -> dict:
    """The form's cost, for ledger.costs (the Campaign checked against the Network)."""
    return {"campaign": object_in_network_or_404(Campaign, form.campaign.data, network.id),
            "amount": form.amount.data, "currency": form.currency.data,
            "first": form.first_day.data, "last": form.last_day.data,
            "actor": current_user.email, "user_id": current_user.id}


@bp.route("/costs", methods=["GET", "POST"])
def costs_index(network_id: int):
    network = owned_network_or_403(network_id) if request.method == "POST" \
        else network_or_404(network_id)
    form = _form(network)
    if form.validate_on_submit():
        if _saved(form, lambda: costs.add_cost(**_values(form, network))):
            return redirect(url_for("funnel.costs_index", network_id=network.id))
    return render_template("funnel/costs.html", network=network, form=form,
                           costs=costs.costs_of(network.id), changes=costs.changes_of(network.id),
                           is_owner=is_owner(network.id), delete_form=FlaskForm())


@bp.route("/costs/<int:cost_id>/edit", methods=["GET", "POST"])
def edit_cost(network_id: int, cost_id: int):
    network = owned_network_or_403(network_id)
    cost = _live_cost(cost_id, network.id)
    form = _form(network, cost)
    if form.validate_on_submit() and _saved(form, lambda: costs.edit_cost(
            cost, **_values(form, network))):
        return redirect(url_for("funnel.costs_index", network_id=network.id))
    return render_template("funnel/edit_cost.html", network=network, form=form, cost=cost)


@bp.post("/costs/<int:cost_id>/delete")
def delete_cost(network_id: int, cost_id: int):
    network = owned_network_or_403(network_id)
    cost = _live_cost(cost_id, network.id)
    if FlaskForm().validate_on_submit():
        costs.delete_cost(cost, actor=current_user.email, user_id=current_user.id)
        db.session.commit()
        flash("Cost deleted; its history stays below.", "success")
    return redirect(url_for("funnel.costs_index", network_id=network.id))


def _live_cost(cost_id: int, network_id: int) -> Cost:
    cost = object_in_network_or_404(Cost, cost_id, network_id)
    if cost.deleted_at is not None:
        abort(404)
    return cost
