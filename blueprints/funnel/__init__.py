"""The Campaign funnel: the comparison of Campaigns (compare.py) and what they cost (costs.py).

Views parse the request, call ledger.funnel / ledger.costs and render templates/funnel/.
"""
from flask import Blueprint

bp = Blueprint("funnel", __name__, url_prefix="/networks/<int:network_id>/campaigns")

from blueprints.funnel import compare, costs  # noqa: E402,F401  (they add their routes to bp)
