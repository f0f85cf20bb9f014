"""What views do after a successful change: commit it, say so, go back to a page."""
from flask import flash, redirect, url_for

from extensions import db


def committed(message: str, endpoint: str, **values):
    """Commit the request's changes, flash ``message`` and redirect to ``endpoint``."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))
