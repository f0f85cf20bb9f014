"""CraftingStore gateway: its callback and mark-paid APIs, its setup page and the payments page.

HTTP in and out only; the logic is ledger.gateway, the signatures providers.craftingstore_gateway.
"""
import time
from types import SimpleNamespace

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

import runtime
from blueprints.access import owned_server_or_403, server_or_404
from blueprints.webhooks import read_body
from blueprints.flow import committed
from extensions import csrf, db, limiter
from ledger.gateway import callbacks, confirmation
from ledger.gateway import payments as gateway_payments
from ledger.gateway import setup as gateway_setup
from ledger.gateway.payments import GatewayError
from providers import craftingstore_gateway as cs

bp = Blueprint("gateway", __name__)


# --- APIs (no session, no CSRF: signed or Bearer) ---------------------------------------------

@bp.post("/api/gateway/craftingstore")
@limiter.limit(lambda: current_app.config["WEBHOOK_RATE_LIMIT"])
@csrf.exempt
def callback():
    """CraftingStore's PENDING / PAID / CHARGE-BACK callbacks (?projectId=<Server project id>)."""
    started = time.perf_counter()
    body, project_id = read_body(_max_bytes()), request.args.get("projectId")
    if body is None:
        reply = callbacks.refuse(project_id, 413, f"body is larger than {_max_bytes()} bytes",
                                 started)
    else:
        reply = callbacks.receive(project_id, body, request.headers, started,
                                  runtime.secret_box())
    return jsonify(reply.body), reply.status


@bp.post("/api/gateway/payments/<transaction_id>/paid")
@limiter.limit(lambda: current_app.config["WEBHOOK_RATE_LIMIT"])
@csrf.exempt
def api_mark_paid(transaction_id: str):
    """A payment provider's callback: ``Authorization: Bearer <gateway payment key>``."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    integration = gateway_setup.integration_for_payment_key(key.strip()) \
        if scheme.lower() == "bearer" else None
    if integration is None:
        return jsonify(success=False, error="invalid or missing Bearer key"), 401
    try:
        result = _confirm(integration.server_id, transaction_id)
    except GatewayError as exc:
        db.session.rollback()
        return jsonify(success=False, error=str(exc)), exc.status
    body = {"success": result.ok, "status": result.status, "message": result.message}
    return jsonify(body), 200 if result.ok else 502


def _confirm(server_id: int, transaction_id: str) -> confirmation.Confirmation:
    """Mark a payment paid: prepare, end the read transaction, send, record, commit. No
    transaction is open while CraftingStore answers."""
    pending = confirmation.prepare(server_id, transaction_id, runtime.secret_box())
    db.session.commit()
    if isinstance(pending, confirmation.Confirmation):
        return pending
    sent = confirmation.send(pending, current_app.config.get("GATEWAY_CONFIRM_TIMEOUT", 10),
                             current_app.config["GATEWAY_ALLOW_PRIVATE"]
                             or current_app.config["OUTBOUND_ALLOW_PRIVATE"])
    result = confirmation.record(server_id, transaction_id, sent)
    db.session.commit()
    return result


def _max_bytes() -> int:
    return current_app.config["WEBHOOK_MAX_BYTES"]


# --- setup page -------------------------------------------------------------------------------

class SettingsForm(FlaskForm):
    payment_url_template = StringField(
        "Payment page URL", validators=[DataRequired(), Length(max=2000)],
        description="Where buyers go, e.g. https://pay.example.net/pay?tx={transactionId}")
    confirmation_url = StringField(
        "CraftingStore confirmation URL", validators=[DataRequired(), Length(max=2000)],
        description="The CraftingStore API endpoint Tally POSTs the confirmation to.")


class ConnectForm(SettingsForm):
    secret = PasswordField("Shared secret (optional)", validators=[Optional(), Length(max=200)],
                           description="Paste CraftingStore's gateway secret, or leave empty "
                                       "and Tally generates one for you to paste into "
                                       "CraftingStore.")


class SecretForm(FlaskForm):
    secret = PasswordField("New shared secret (optional)", validators=[Optional(), Length(max=200)])


@bp.route("/servers/<int:server_id>/gateway", methods=["GET", "POST"])
def setup(server_id: int):
    server = owned_server_or_403(server_id) if request.method == "POST" \
        else server_or_404(server_id)
    integration = gateway_setup.find_integration(server.id)
    form = SettingsForm(obj=_settings_obj(integration)) if integration else ConnectForm()
    credentials = None
    if form.validate_on_submit():
        try:
            if integration:
                gateway_setup.update_settings(integration, form.payment_url_template.data,
                                              form.confirmation_url.data)
            else:
                integration, credentials = gateway_setup.connect(
                    server, runtime.secret_box(), form.payment_url_template.data,
                    form.confirmation_url.data, form.secret.data)
            db.session.commit()
        except GatewayError as exc:
            db.session.rollback()
            return _render_setup(server, integration, form, error=str(exc)), 400
        if credentials is None:
            flash("Gateway settings saved.", "success")
            return redirect(url_for("gateway.setup", server_id=server.id))
        form = SettingsForm(obj=_settings_obj(integration), formdata=None)
    status = 400 if form.errors else 200
    return _render_setup(server, integration, form, credentials=credentials), status


@bp.post("/servers/<int:server_id>/gateway/secret")
def regenerate_secret(server_id: int):
    server, integration = _connected(server_id)
    form = SecretForm()
    try:
        credentials = gateway_setup.regenerate_secret(integration, runtime.secret_box(),
                                                      form.secret.data)
        db.session.commit()
    except GatewayError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("gateway.setup", server_id=server.id))
    return _render_setup(server, integration, SettingsForm(obj=_settings_obj(integration),
                                                           formdata=None), credentials=credentials)


@bp.post("/servers/<int:server_id>/gateway/key")
def regenerate_key(server_id: int):
    server, integration = _connected(server_id)
    credentials = gateway_setup.regenerate_payment_key(integration)
    db.session.commit()
    return _render_setup(server, integration, SettingsForm(obj=_settings_obj(integration),
                                                           formdata=None), credentials=credentials)


@bp.post("/servers/<int:server_id>/gateway/disconnect")
def disconnect(server_id: int):
    server, integration = _connected(server_id)
    gateway_setup.disconnect(integration)
    return committed("CraftingStore gateway disconnected. Payments and purchases are kept.",
                     "gateway.setup", server_id=server.id)


def _connected(server_id: int):
    """The Server (owned by the user: these change the gateway) and its gateway integration."""
    server = owned_server_or_403(server_id)
    integration = gateway_setup.find_integration(server.id)
    if integration is None:
        abort(404, "The CraftingStore gateway is not connected on this Server.")
    return server, integration


def _settings_obj(integration):
    return SimpleNamespace(**(integration.settings or {})) if integration else None


def _render_setup(server, integration, form, credentials=None, error=None):
    return render_template(
        "gateway/setup.html", server=server, integration=integration, form=form,
        credentials=credentials, error=error, secret_form=SecretForm(formdata=None),
        endpoint_url=runtime.public_url("gateway.callback", projectId=server.project_id),
        placeholders=cs.PLACEHOLDERS)


# --- payments page ----------------------------------------------------------------------------

@bp.get("/servers/<int:server_id>/payments")
def payments(server_id: int):
    server = server_or_404(server_id)
    status = request.args.get("status")
    status = status if status in gateway_payments.STATUSES else None
    return render_template(
        "gateway/payments.html", server=server, status=status,
        statuses=gateway_payments.STATUSES, status_of=gateway_payments.status_of,
        payments=gateway_payments.list_payments(server.id, status),
        integration=gateway_setup.find_integration(server.id))


@bp.post("/servers/<int:server_id>/payments/<int:payment_id>/paid")
def mark_paid(server_id: int, payment_id: int):
    server = server_or_404(server_id)
    payment = gateway_payments.payment_in_server(server.id, payment_id)
    if payment is None:
        abort(404)
    try:
        result = _confirm(server.id, payment.transaction_id)
    except GatewayError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(result.message, "success" if result.ok else "error")
    return redirect(url_for("gateway.payments", server_id=server.id,
                            status=request.args.get("status") or None))
