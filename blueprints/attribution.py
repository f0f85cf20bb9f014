"""What Campaigns and Creators share: a list with a "new" form, an edit page and delete.

Each is a ``Kind`` (its nouns, model, form and ledger functions); ``register`` adds the same
three routes to its blueprint, rendered by the same templates (templates/attribution/).
"""
from dataclasses import dataclass
from typing import Callable

from flask import flash, redirect, render_template, url_for

from blueprints.access import network_or_404, object_in_network_or_404, owned_network_or_403
from blueprints.flow import PostForm
from extensions import db
from ledger import campaigns


@dataclass(frozen=True)
class Kind:
    endpoint: str  # the blueprint's name: "campaigns"
    noun: str  # "Campaign"
    plural: str  # "Campaigns"
    intro: str  # shown above the list
    model: type
    form: type
    listed: Callable  # network -> its objects
    create: Callable  # (network, form) -> object
    update: Callable  # (object, form) -> object
    cells: Callable  # object -> {column title: [values shown as code]}
    keeps: str  # what happens to what was credited to it: "its players keep no Campaign"
    show: str | None = None  # the endpoint of an object's own page, if it has one
    links: tuple = ()  # (label, endpoint) of related pages of the Network, shown at the top


def register(bp, kind: Kind) -> None:
    """Add index (list and create), edit and delete to ``bp`` (url_prefix holds network_id)."""

    def index(network_id: int):
        network = network_or_404(network_id)
        form = kind.form()
        if form.validate_on_submit() and _saved(form, lambda: kind.create(network, form)):
            return redirect(url_for(f"{kind.endpoint}.index", network_id=network.id))
        return render_template("attribution/index.html", kind=kind, network=network, form=form,
                               objects=kind.listed(network))

    def edit(network_id: int, object_id: int):
        network = network_or_404(network_id)
        obj = object_in_network_or_404(kind.model, object_id, network.id)
        form = kind.form(obj=obj)
        if form.validate_on_submit() and _saved(form, lambda: kind.update(obj, form)):
            return redirect(url_for(f"{kind.endpoint}.index", network_id=network.id))
        return render_template("attribution/edit.html", kind=kind, network=network, obj=obj,
                               form=form)

    def delete(network_id: int, object_id: int):
        """Owners only: the Network's revenue is recounted without it."""
        network = owned_network_or_403(network_id)
        obj = object_in_network_or_404(kind.model, object_id, network.id)
        if PostForm().validate_on_submit():
            campaigns.delete(obj)
            db.session.commit()
            flash(f"{kind.noun} {obj.name} deleted; {kind.keeps}.", "success")
        return redirect(url_for(f"{kind.endpoint}.index", network_id=network.id))

    bp.add_url_rule("/", "index", index, methods=["GET", "POST"])
    bp.add_url_rule("/<int:object_id>/edit", "edit", edit, methods=["GET", "POST"])
    bp.add_url_rule("/<int:object_id>/delete", "delete", delete, methods=["POST"])


def _saved(form, save) -> bool:
    """Run a ledger save; commit, or put its error on the field it names."""
    try:
        obj = save()
    except campaigns.AttributionError as exc:
        form[exc.field].errors.append(exc.message)
        db.session.rollback()
        return False
    db.session.commit()
    flash(f"{obj.name} saved.", "success")
    return True
