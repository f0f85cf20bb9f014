"""Revenue: figures and breakdowns, the purchase list and its CSV, a purchase's detail and
corrections, and the Network's currency settings. Queries live in ledger/revenue.py.

    pages.py        the overview and the purchase list (HTML, HTMX partial, CSV)
    corrections.py  a purchase's page: refund, chargeback, link, unlink
    settings.py     display currency and exchange rates
    forms.py        the forms of all three
    export.py       the CSV lines          chart.py  the per-day chart's geometry
"""
from flask import Blueprint

bp = Blueprint("revenue", __name__)

from blueprints.revenue import corrections, pages, settings  # noqa: E402,F401  (their routes)
