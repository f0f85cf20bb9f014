"""CraftingStore gateway: its callback and mark-paid APIs, its setup page and the payments page.

HTTP in and out only; the logic is ledger.gateway, the signatures providers.craftingstore_gateway.
"""
import time
from types import SimpleNamespace

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.access import owned_server_or_404, server_or_404
from blueprints.webhooks import read_body
from extensions import csrf, db, limiter
from ledger import gateway
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
        reply = gateway.refuse_callback(project_id, 413,
                                        f"body is larger than {_max_bytes()} bytes", started)
    else:
        reply = gateway.receive_callback(project_id, body, request.headers, started)
    return jsonify(reply.body), reply.status


@bp.post("/api/gateway/payments/<transaction_id>/paid")
@limiter.limit(lambda: current_app.config["WEBHOOK_RATE_LIMIT"])
@csrf.exempt
def api_mark_paid(transaction_id: str):
    """A payment provider's callback: ``Authorization: Bearer <gateway payment key>``."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    integration = gateway.integration_for_payment_key(key.strip()) \
        if scheme.lower() == "bearer" else None
    if integration is None:
        return jsonify(success=False, error="invalid or missing Bearer key"), 401
    try:
        result = gateway.mark_paid(integration.server_id, transaction_id)
    except gateway.GatewayError as exc:
        db.session.rollback()
        return jsonify(success=False, error=str(exc)), exc.status
    body = {"success": result.ok, "status": result.status, "message": result.message}
    return jsonify(body), 200 if result.ok else 502


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
                         description="Paste CraftingStore's gateway secret, or leave empty and "
                                     "Tally generates one for you to paste into CraftingStore.")


class SecretForm(FlaskForm):
    secret = PasswordField("New shared secret (optional)", validators=[Optional(), Length(max=200)])


@bp.route("/servers/<int:server_id>/gateway", methods=["GET", "POST"])
@login_required
def setup(server_id: int):
    server = owned_server_or_404(server_id) if request.method == "POST" else server_or_404(server_id)
    integration = gateway.find_integration(server.id)
    form = SettingsForm(obj=_settings_obj(integration)) if integration else ConnectForm()
    credentials = None
    if form.validate_on_submit():
        try:
            if integration:
                gateway.update_settings(integration, form.payment_url_template.data,
                                        form.confirmation_url.data)
            else:
                integration, credentials = gateway.connect(
                    server, form.payment_url_template.data, form.confirmation_url.data,
                    form.secret.data)
            db.session.commit()
        except gateway.GatewayError as exc:
            db.session.rollback()
            return _render_setup(server, integration, form, error=str(exc)), 400
        if credentials is None:
            flash("Gateway settings saved.", "success")
            return redirect(url_for("gateway.setup", server_id=server.id))
        form = SettingsForm(obj=_settings_obj(integration), formdata=None)
    status = 400 if form.errors else 200
    return _render_setup(server, integration, form, credentials=credentials), status


@bp.post("/servers/<int:server_id>/gateway/secret")
@login_required
def regenerate_secret(server_id: int):
    server, integration = _connected(server_id)
    form = SecretForm()
    try:
        credentials = gateway.regenerate_secret(integration, form.secret.data)
        db.session.commit()
    except gateway.GatewayError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("gateway.setup", server_id=server.id))
    return _render_setup(server, integration, SettingsForm(obj=_settings_obj(integration),
                                                           formdata=None), credentials=credentials)


@bp.post("/servers/<int:server_id>/gateway/key")
@login_required
def regenerate_key(server_id: int):
    server, integration = _connected(server_id)
    credentials = gateway.regenerate_payment_key(integration)
    db.session.commit()
    return _render_setup(server, integration, SettingsForm(obj=_settings_obj(integration),
                                                           formdata=None), credentials=credentials)


@bp.post("/servers/<int:server_id>/gateway/disconnect")
@login_required
def disconnect(server_id: int):
    server, integration = _connected(server_id)
    gateway.disconnect(integration)
    db.session.commit()
    flash("CraftingStore gateway disconnected. Payments and purchases are kept.", "success")
    return redirect(url_for("gateway.setup", server_id=server.id))


def _connected(server_id: int):
    """The Server (owned by the user: these change the gateway) and its gateway integration."""
    server = owned_server_or_404(server_id)
    integration = gateway.find_integration(server.id)
    if integration is None:
        abort(404, "The CraftingStore gateway is not connected on this Server.")
    return server, integration


def _settings_obj(integration):
    return SimpleNamespace(**(integration.settings or {})) if integration else None


def _render_setup(server, integration, form, credentials=None, error=None):
    return render_template(
        "gateway/setup.html", server=server, integration=integration, form=form,
        credentials=credentials, error=error, secret_form=SecretForm(formdata=None),
        endpoint_url=gateway.endpoint_url(server), placeholders=cs.PLACEHOLDERS)


# --- payments page ----------------------------------------------------------------------------

@bp.get("/servers/<int:server_id>/payments")
@login_required
def payments(server_id: int):
    server = server_or_404(server_id)
    status = request.args.get("status")
    status = status if status in gateway.STATUSES else None
    return render_template(
        "gateway/payments.html", server=server, status=status, statuses=gateway.STATUSES,
        payments=gateway.list_payments(server.id, status), status_of=gateway.status_of,
        integration=gateway.find_integration(server.id))


@bp.post("/servers/<int:server_id>/payments/<int:payment_id>/paid")
@login_required
def mark_paid(server_id: int, payment_id: int):
    server = server_or_404(server_id)
    payment = gateway.payment_in_server(server.id, payment_id)
    if payment is None:
        abort(404)
    try:
        result = gateway.mark_paid(server.id, payment.transaction_id)
    except gateway.GatewayError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(result.message, "success" if result.ok else "error")
    return redirect(url_for("gateway.payments", server_id=server.id,
                            status=request.args.get("status") or None))
