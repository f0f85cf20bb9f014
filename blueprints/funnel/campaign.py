"""Network → Campaigns → one Campaign (or "No campaign", id 0): its players over time, buyers,
money per currency, time to first purchase and cohorts; filtered like the comparison."""
from datetime import date, timedelta

from flask import render_template, request

from blueprints.access import network_or_404, object_in_network_or_404
from blueprints.funnel import bp
from blueprints.funnel.forms import filter_args, read_filters
from ledger import campaign_detail, funnel
from ledger.periods import months_between
from models import Campaign
from models.activity import ORGANIC
from models.base import utc_today

CHART_WIDTH, CHART_HEIGHT = 720, 160


@bp.get("/<int:campaign_id>/funnel")
def campaign(network_id: int, campaign_id: int):
    network = network_or_404(network_id)
    name = None if campaign_id == ORGANIC else object_in_network_or_404(
        Campaign, campaign_id, network.id).name
    today = utc_today()
    form, scope = read_filters(network, request.args, today)
    return render_template("funnel/campaign.html", network=network, name=name, form=form,
                           campaign_id=campaign_id, server_filtered=bool(scope.server_id),
                           filter_args=filter_args(request.args),
                           **page_figures(network, campaign_id, scope, today))


def page_figures(network, campaign_id: int, scope, today: date) -> dict:
    """What the Campaign page shows, for its own view and for a share link's."""
    detail = campaign_detail.detail(scope, campaign_id, today)
    return {"detail": detail, "months": cohort_months(detail.cohorts, today),
            "converted": funnel.in_display_currency(network, detail.figures),
            "chart": players_chart(detail.days, scope.start, scope.end or today)}


def cohort_months(cohorts, now: date) -> int:
    """How many cohort columns there is data for: from the oldest cohort to this month."""
    if not cohorts:
        return 0
    first = cohorts[0].month
    return min(campaign_detail.COHORT_MONTHS, months_between(first, now) + 1)


def players_chart(days, start: date | None, end: date) -> dict | None:
    """Stacked bars (integers) per day: new players below, returning above."""
    if not days:
        return None
    start = start or days[0][0]
    count = max((end - start).days + 1, 1)
    if count > 400:  # "all time" on an old Network: its last 400 days
        start, count = end - timedelta(days=399), 400
    values = {day: (new, back) for day, new, back in days}
    top = max(max((new + back for new, back in values.values()), default=1), 1)
    width = max(CHART_WIDTH // count, 1)
    bars = []
    for i in range(count):
        day = start + timedelta(days=i)
        new, back = values.get(day, (0, 0))
        new_h, back_h = new * CHART_HEIGHT // top, back * CHART_HEIGHT // top
        bars.append({"x": i * width, "width": max(width - 1, 1), "label": day.isoformat(),
                     "new": new, "back": back, "new_y": CHART_HEIGHT - new_h, "new_h": new_h,
                     "back_y": CHART_HEIGHT - new_h - back_h, "back_h": back_h})
    return {"bars": bars, "top": top, "width": width * count, "height": CHART_HEIGHT,
            "first": start}
