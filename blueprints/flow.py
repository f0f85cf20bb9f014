"""What views do after a successful change: commit it, say so, go back to a page."""
from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from extensions import db


class PostForm(FlaskForm):
    """No fields: a POST with its CSRF token (a delete, remove or revoke button)."""


def committed(message: str, endpoint: str, **values):
    """Commit the request's changes, flash ``message`` and redirect to ``endpoint``."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def partial(template, title: str, **context):
    """An htmx partial: alone for htmx, inside a whole page (title, navigation) when opened
    directly, so every URL is a complete, labelled document."""
    if request.headers.get("HX-Request"):
        body = render_template(template, **context)
    else:
        body = render_template("_partial_page.html", partial=template, title=title, **context)
    return body, 200, {"Vary": "HX-Request"}
