"""A purchase's page and its corrections: refund, chargeback, link to a player, unlink."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from blueprints.access import row_or_404
from blueprints.revenue import bp
from blueprints.revenue.forms import LinkForm, ReversalForm, UnlinkForm
from events import PayloadError
from extensions import db
from ledger.corrections import CorrectionError, apply_reversal, link_purchase, unlink_purchase
from ledger.purchases import find_player
from models import Delivery, Purchase
from money import parse_amount


@bp.get("/purchases/<int:purchase_id>")
def purchase(purchase_id: int):
    return _detail(row_or_404(Purchase, purchase_id))


@bp.post("/purchases/<int:purchase_id>/reversals")
def reverse(purchase_id: int):
    purchase, form = _posted(purchase_id, ReversalForm)
    if not form.validate_on_submit():
        return _detail(purchase, 400, reversal_form=form)
    try:
        amount = parse_amount(form.amount.data, purchase.currency, "the amount", text=True) \
            if (form.amount.data or "").strip() else None
        _, created = apply_reversal(purchase, form.kind.data, amount, user_id=current_user.id,
                                    external_id=form.external_id(),
                                    reason=form.reason.data.strip())
    except (CorrectionError, PayloadError) as exc:
        db.session.rollback()
        form.amount.errors.append(str(exc))
        return _detail(row_or_404(Purchase, purchase_id), 400, reversal_form=form)
    db.session.commit()
    if created:
        flash(f"{form.kind.data.capitalize()} recorded.", "success")
    else:
        flash(f"This {form.kind.data} was already recorded (the form was sent twice); "
              "nothing was added.", "info")
    return redirect(url_for("revenue.purchase", purchase_id=purchase_id))


@bp.post("/purchases/<int:purchase_id>/link")
def link(purchase_id: int):
    purchase, form = _posted(purchase_id, LinkForm)
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
    purchase, form = _posted(purchase_id, UnlinkForm)
    if not form.validate_on_submit():
        return _detail(purchase, 400, unlink_form=form)
    return _correct(purchase, unlink_purchase, user_id=current_user.id,
                    reason=form.reason.data.strip())


def _posted(purchase_id: int, form_class):
    """The purchase (if the user's Network has it) and the form posted about it."""
    return row_or_404(Purchase, purchase_id), form_class()


def _detail(purchase, status=200, **forms):
    forms = {"reversal_form": ReversalForm(formdata=None), "link_form": LinkForm(formdata=None),
             "unlink_form": UnlinkForm(formdata=None), **forms}
    delivery = db.session.get(Delivery, purchase.delivery_id) if purchase.delivery_id else None
    return render_template("revenue/purchase.html", purchase=purchase, delivery=delivery,
                           network=purchase.server.network, **forms), status


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
