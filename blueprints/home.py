"""A Network's home: figures of today, 7 or 30 days, the latest purchases (refreshed by htmx),
each store's health and, until it is done, the setup checklist. Queries: ledger/home.py."""
from datetime import datetime, timezone

from flask import Blueprint, redirect, render_template, request, url_for

from blueprints.access import network_or_404
from blueprints.revenue.chart import sparkline
from ledger import home, integrations

bp = Blueprint("home", __name__)

LATEST_EVERY_SECONDS = 20


@bp.get("/networks/<int:network_id>/home")
def show(network_id: int):
    network = network_or_404(network_id)
    period = request.args.get("period", "7")
    if period not in home.PERIODS:
        period = "7"
    glance = home.glance(network, period, datetime.now(timezone.utc).date())
    steps = home.setup_steps(network.id)
    return render_template(
        "home/show.html", network=network, period=period, periods=home.PERIODS, glance=glance,
        trend=sparkline(glance.trend), steps=steps, setup_done=all(s.done for s in steps),
        first_server=network.servers[0] if network.servers else None,
        stores=home.integrations(network.id), store_status=integrations.status,
        latest=home.latest_purchases(network.id), every=LATEST_EVERY_SECONDS)


@bp.get("/networks/<int:network_id>/home/latest")
def latest(network_id: int):
    """The latest purchases: the partial htmx polls; opened as a page, the home."""
    network = network_or_404(network_id)
    if not request.headers.get("HX-Request"):
        return redirect(url_for("home.show", network_id=network.id))
    response = render_template("home/_latest.html", network=network,
                               latest=home.latest_purchases(network.id),
                               every=LATEST_EVERY_SECONDS)
    return response, 200, {"Vary": "HX-Request"}
