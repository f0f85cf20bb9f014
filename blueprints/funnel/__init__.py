"""The Campaign funnel: the comparison of Campaigns (compare.py), one Campaign's page
(campaign.py) and what they cost (costs.py).

Views parse the request, call ledger.funnel / ledger.costs and render templates/funnel/.
"""
from flask import Blueprint

bp = Blueprint("funnel", __name__, url_prefix="/networks/<int:network_id>/campaigns")

# They add their routes to bp.
from blueprints.funnel import campaign, compare, costs  # noqa: E402,F401
