"""The read API: a Network's figures as JSON for its owner's own tools (docs/api.md).

GET only, with a Network API token as Bearer. Amounts are decimal strings with their currency.
A request's period is ``from`` and ``to`` (UTC days, both optional and inclusive); ``server``
(a project id) and ``store`` narrow it.
"""
from datetime import date

from flask import Blueprint, abort, current_app, g, jsonify, request

from blueprints.access import bearer_or_401
from blueprints.revenue.forms import FIRST_DAY, LAST_DAY
from extensions import csrf, db, limiter
from ledger import api_tokens, campaign_detail, funnel, purchase_list, revenue, statements
from ledger.servers import server_by_project_id
from models import Campaign, Creator
from models.activity import ORGANIC
from models.base import utc_today
from money import from_minor

bp = Blueprint("read_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.limit(lambda: current_app.config["READ_API_RATE_LIMIT"])(bp)
BREAKDOWNS = ("campaign", "creator", "store", "server", "item")
MAX_LIMIT = 500


@bp.before_request
def _network_of_token():
    g.api_network_id = bearer_or_401(api_tokens.find, "API token").network_id


@bp.get("/revenue")
def summary():
    scope = _scope()
    return jsonify(period=_period(scope), totals=[_totals(t) for t in revenue.headline(scope)])


@bp.get("/revenue/<by>")
def breakdown(by: str):
    if by not in BREAKDOWNS:
        abort(404, f"no breakdown by {by!r}; there are: {', '.join(BREAKDOWNS)}")
    scope = _scope()
    rows = revenue.items(scope) if by == "item" else revenue.breakdown(scope, by)
    return jsonify(period=_period(scope), by=by, rows=[_row(row) for row in rows])


@bp.get("/purchases")
def purchases():
    """Newest first, ``limit`` at a time (at most 500); ``next`` is the next page's ``after``."""
    filters = purchase_list.PurchaseFilter(_scope(), matched=_matched())
    try:
        page = purchase_list.purchase_page(filters, after=request.args.get("after"),
                                           size=_limit())
    except ValueError:
        abort(400, "after: not a cursor this API returned")
    return jsonify(purchases=[_purchase(p) for p in page.purchases], next=page.older)


@bp.get("/campaigns")
def campaign_comparison():
    """Each Campaign and organic (id and name null): the comparison page's figures."""
    scope = _scope()
    rows = funnel.comparison(scope, utc_today())
    return jsonify(period=_period(scope), campaigns=[
        {"id": row.campaign_id, **row.as_json()} for row in rows])


@bp.get("/campaigns/<int:campaign_id>")
def campaign_funnel(campaign_id: int):
    """One Campaign's page (0: organic): figures, players per day, time to first purchase,
    cohorts."""
    if campaign_id != ORGANIC:
        _of_network(Campaign, campaign_id)
    scope = _scope()
    detail = campaign_detail.detail(scope, campaign_id, utc_today())
    median = detail.median_to_purchase
    return jsonify(
        period=_period(scope), campaign={"id": campaign_id or None, **detail.figures.as_json()},
        gross=funnel.decimal_strings(detail.gross),
        days=[{"day": day.isoformat(), "new_players": new, "returning_players": back}
              for day, new, back in detail.days],
        median_seconds_to_first_purchase=None if median is None else int(median.total_seconds()),
        cohorts=[{"month": f"{c.month:%Y-%m}", "players": c.players,
                  "net": {currency: [_money(v, currency) for v in values]
                          for currency, values in sorted(c.net.items())}}
                 for c in detail.cohorts])


@bp.get("/creators/<int:creator_id>/statements")
def creator_statements(creator_id: int):
    """The Creator's monthly statements, newest first (ledger/statements.py)."""
    creator = _of_network(Creator, creator_id)
    return jsonify(creator={"id": creator.id, "name": creator.name, "code": creator.code},
                   statements=[_statement(s) for s in statements.statements(creator,
                                                                            utc_today())])


# --- reading the query --------------------------------------------------------------------

def _scope() -> revenue.Scope:
    start, end = _day("from"), _day("to")
    if start and end and end < start:
        abort(400, "to: must not be before from")
    return revenue.Scope(g.api_network_id, _server_id(), start, end,
                         request.args.get("store") or None)


def _day(name: str) -> date | None:
    text = request.args.get(name)
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        abort(400, f"{name}: a day as YYYY-MM-DD")
    if not FIRST_DAY <= day <= LAST_DAY:
        abort(400, f"{name}: must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def _of_network(model, object_id: int):
    """The token's Network's Campaign or Creator ``object_id``; 404 for any other."""
    found = db.session.get(model, object_id)
    if found is None or found.network_id != g.api_network_id:
        abort(404, f"no {model.__name__} of this Network has that id")
    return found


def _server_id() -> int | None:
    project_id = request.args.get("server")
    if not project_id:
        return None
    server = server_by_project_id(project_id, g.api_network_id)
    if server is None:
        abort(404, "server: no Server of this Network has that project id")
    return server.id


def _matched() -> bool | None:
    value = request.args.get("matched", "")
    if value not in ("", "true", "false"):
        abort(400, "matched: true or false")
    return {"true": True, "false": False}.get(value)


def _limit() -> int:
    text = request.args.get("limit", "100")
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        abort(400, f"limit: a whole number from 1 to {MAX_LIMIT}")
    return int(text)


# --- writing the answer -------------------------------------------------------------------

def _period(scope: revenue.Scope) -> dict:
    return {"from": scope.start and scope.start.isoformat(),
            "to": scope.end and scope.end.isoformat(), "store": scope.store}


def _money(amount_minor: int | None, currency: str) -> str | None:
    return None if amount_minor is None else from_minor(amount_minor, currency)


def _totals(t: revenue.Totals) -> dict:
    return {"currency": t.currency, "purchases": t.purchases,
            "gross": _money(t.gross, t.currency), "refunded": _money(t.refunded, t.currency),
            "charged_back": _money(t.charged_back, t.currency),
            "net": _money(t.net, t.currency), "buyers": t.buyers,
            "net_per_buyer": _money(t.per_buyer, t.currency),
            "unmatched_net": _money(t.unmatched_net, t.currency)}


def _row(row: revenue.Row) -> dict:
    answer = {"key": row.key, "name": row.label, "currency": row.currency,
              "purchases": row.purchases, "gross": _money(row.gross, row.currency),
              "net": _money(row.net, row.currency)}
    if row.quantity is not None:
        answer["quantity"] = row.quantity
    return answer


def _statement(statement) -> dict:
    payment = statement.payment
    return {"month": f"{statement.month:%Y-%m}",
            "paid_at": payment.paid_at.isoformat() if payment else None,
            "note": payment.note if payment else None,
            "lines": [{"currency": line.currency, "net": _money(line.net, line.currency),
                       "commission": _money(line.earned, line.currency),
                       "adjustments": [{"month": f"{month:%Y-%m}",
                                        "amount": _money(amount, line.currency)}
                                       for month, amount in line.adjustments],
                       "owed": _money(line.total, line.currency)}
                      for line in statement.lines]}


def _purchase(p) -> dict:
    return {"id": p.id, "server": p.server.project_id, "store": p.store,
            "transaction_id": p.transaction_id, "username": p.username,
            "matched": p.player_id is not None,
            "campaign": p.campaign.name if p.campaign else None,
            "creator": p.creator.name if p.creator else None,
            "amount": _money(p.amount_minor, p.currency),
            "reversed": _money(p.reversed_minor or 0, p.currency),
            "net": _money(p.net_minor, p.currency), "currency": p.currency,
            "purchased_at": p.purchased_at.isoformat(),
            "items": [{"name": i.name, "quantity": i.quantity,
                       "total": _money(i.total_minor, p.currency)} for i in p.items]}
