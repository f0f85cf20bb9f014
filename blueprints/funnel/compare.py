"""Network → Campaigns → Compare: one row per Campaign and one for organic, sortable, filtered
by Server and period (a shareable URL)."""
from urllib.parse import urlencode

from flask import render_template, request, url_for

from blueprints.access import network_or_404
from blueprints.funnel import bp
from blueprints.funnel.forms import filter_args, read_filters
from ledger import funnel
from models.base import utc_today

COLUMNS = [("name", "Campaign"), ("new_players", "New players"),
           ("returning_players", "Returning"), ("buyers", "Buyers"),
           ("conversion", "Conversion"), ("net", "Net"), ("net_per_player", "Net per new player"),
           ("cost", "Cost"), ("return", "Return (net ÷ cost)")]


@bp.get("/compare")
def compare(network_id: int):
    network = network_or_404(network_id)
    today = utc_today()
    form, scope = read_filters(network, request.args, today)
    rows = funnel.comparison(scope, today)
    currencies = sorted({c for row in rows for c in row.currencies})
    currency = request.args.get("currency") or network.display_currency
    currency = currency if currency in currencies else (currencies[0] if currencies else None)
    rows, sort = funnel.sort_figures(rows, request.args.get("sort", "name"), currency)
    empty = not any(row.new_players or row.net or row.cost for row in rows)
    return render_template("funnel/compare.html", network=network, form=form, rows=rows,
                           sort=sort, columns=COLUMNS, currency=currency, currencies=currencies,
                           empty=empty, sort_url=_sort_url, server_filtered=bool(scope.server_id),
                           filter_args=filter_args(request.args))


def _sort_url(column: str, current: str) -> str:
    """This page's URL sorted by ``column``: descending first, ascending on a second click."""
    args = filter_args(request.args)
    if request.args.get("currency"):
        args["currency"] = request.args["currency"]
    args["sort"] = column if current == f"-{column}" else f"-{column}"
    return f"{url_for('funnel.compare', network_id=request.view_args['network_id'])}?" \
        f"{urlencode(args)}"
