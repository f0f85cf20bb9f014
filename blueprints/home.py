"""A Network's home: figures of today, 7 or 30 days, the latest purchases (refreshed by htmx),
each store's health and, until it is done, the setup checklist. Queries: ledger/home.py."""
from flask import Blueprint, render_template, request

from blueprints.access import network_or_404
from blueprints.flow import partial
from blueprints.revenue.chart import sparkline
from ledger import home, integrations
from models.base import utc_today

bp = Blueprint("home", __name__)

LATEST_EVERY_SECONDS = 20


@bp.get("/networks/<int:network_id>/home")
def show(network_id: int):
    network = network_or_404(network_id)
    period = request.args.get("period", "7")
    if period not in home.PERIODS:
        period = "7"
    glance = home.glance(network, period, utc_today())
    steps = home.setup_steps(network.id)
    return render_template(
        "home/show.html", network=network, period=period, periods=home.PERIODS, glance=glance,
        trend=sparkline(glance.trend), steps=steps, setup_done=all(s.done for s in steps),
        first_server=network.servers[0] if network.servers else None,
        stores=home.integrations(network.id), store_status=integrations.status,
        latest=home.latest_purchases(network.id), every=LATEST_EVERY_SECONDS)


@bp.get("/networks/<int:network_id>/home/latest")
def latest(network_id: int):
    """The latest purchases: the partial htmx polls while the home is open."""
    network = network_or_404(network_id)
    return partial("home/_latest.html", f"Latest purchases · {network.name}", network=network,
                   latest=home.latest_purchases(network.id), every=LATEST_EVERY_SECONDS)
