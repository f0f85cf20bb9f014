"""The revenue overview and the purchase list (a page, its HTMX partial, and its CSV)."""
from datetime import date
from urllib.parse import urlencode

from flask import Response, abort, render_template, request, stream_with_context, url_for
from sqlalchemy import select

from blueprints.access import network_or_404, server_or_404
from blueprints.revenue import bp
from blueprints.revenue.chart import ALL, charts
from blueprints.revenue.export import csv_lines
from blueprints.revenue.forms import PeriodForm, PurchaseFilterForm
from extensions import db
from ledger import exchange_rates, purchase_list, revenue, revenue_groups
from ledger.periods import period_days
from models import Campaign, Creator
from models.base import utc_today

PAGE_SIZE = 50
BREAKDOWNS = [("campaign", "By Campaign"), ("creator", "By creator code"),
              ("store", "By store"), ("item", "By item"), ("server", "By Server")]
FILTER_ARGS = ("period", "start", "end", "store", "matched", "campaign", "creator", "player")
PAGE_ARGS = ("after", "before")


@bp.get("/networks/<int:network_id>/revenue")
@bp.get("/servers/<int:server_id>/revenue")
def overview(network_id=None, server_id=None):
    network, server = _target(network_id, server_id)
    form = _read_form(PeriodForm, network, server)
    scope = _scope(form, network, server)
    totals = revenue.headline(scope)
    converted = exchange_rates.converted_total(network, {t.currency: t.net for t in totals})
    all_charts = charts(scope, network)
    chart = _chosen_chart(all_charts, network, totals)
    return render_template("revenue/overview.html", network=network, server=server, form=form,
                           totals=totals, converted=converted,
                           tables=_tables(scope, network, server), charts=all_charts,
                           chart=chart)


def _chosen_chart(all_charts: list[dict], network, totals) -> dict | None:
    """The series asked for (?chart=EUR, or "all": converted), else every currency converted,
    else the display currency's, else that of the currency with the most purchases."""
    by_key = {c["key"]: c for c in all_charts}
    leading = [t.currency for t in sorted(totals, key=lambda t: -t.purchases)]
    for wanted in (request.args.get("chart"), ALL, network.display_currency, *leading):
        if wanted in by_key:
            return by_key[wanted]
    return all_charts[0] if all_charts else None


@bp.get("/networks/<int:network_id>/revenue/purchases")
@bp.get("/servers/<int:server_id>/revenue/purchases")
def purchases(network_id=None, server_id=None):
    network, server, form, filters = _purchase_list(network_id, server_id)
    try:
        page = purchase_list.purchase_page(filters, after=request.args.get("after"),
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
    network, server, _, filters = _purchase_list(network_id, server_id)
    name = f"purchases-{network.id}{f'-{server.id}' if server else ''}.csv"
    return Response(stream_with_context(csv_lines(purchase_list.iter_purchases(filters))),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _purchase_list(network_id, server_id):
    """(network, server, form, filters) of a purchase list request."""
    network, server = _target(network_id, server_id)
    form = _read_form(PurchaseFilterForm, network, server)
    return network, server, form, _purchase_filter(form, _scope(form, network, server))


def _target(network_id=None, server_id=None):
    """(network, server) for a Network or Server route, checking membership (404 otherwise)."""
    if server_id is not None:
        server = server_or_404(server_id)
        return server.network, server
    return network_or_404(network_id), None


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
    today = today or utc_today()
    start, end = period_days(_clean(form, "period"), _clean(form, "start"), _clean(form, "end"),
                             today)
    return revenue.Scope(network.id, server.id if server else None, start, end,
                         _clean(form, "store") or None)


def _purchase_filter(form, scope) -> purchase_list.PurchaseFilter:
    matched = {"matched": True, "unmatched": False}.get(_clean(form, "matched"))
    campaign, creator = _clean(form, "campaign"), _clean(form, "creator")
    return purchase_list.PurchaseFilter(
        scope, matched=matched, campaign_id=int(campaign) if campaign else None,
        creator_id=int(creator) if creator else None, player=_clean(form, "player") or None)


def _tables(scope, network, server):
    tables = []
    for by, title in BREAKDOWNS:
        if by == "server" and server is not None:
            continue
        sort = request.args.get(f"sort_{by}", "-net")
        rows = revenue.items(scope) if by == "item" else revenue.breakdown(scope, by)
        tables.append({"by": by, "title": title, "sort": sort,
                       "rows": revenue_groups.grouped(rows, network, sort)})
    return tables


# --- links that keep the page's filters ----------------------------------------------------

@bp.context_processor
def _link_helpers():
    return {"args_url": args_url, "export_url": export_url}


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
    sorts = tuple(f"sort_{by}" for by, _ in BREAKDOWNS)
    return _link(request.endpoint, args, FILTER_ARGS + PAGE_ARGS + sorts + ("chart",))


def export_url() -> str:
    """The CSV of the purchase list as filtered now (all pages)."""
    return _link("revenue.purchases_csv", request.args.to_dict(), FILTER_ARGS)
