"""Helpers shared by the store-module tests (Tebex, EnderPay, Donation Store)."""
import runtime
from extensions import db
from ledger import integrations
from models import Adjustment, Creator, Delivery, Purchase, Server, StoreEvent
from models.base import fold


def connect(app, server_id, store, secret=None, settings=None) -> str:
    with app.app_context():
        _, secret = integrations.connect(db.session.get(Server, server_id), store,
                                         runtime.secret_box(), secret=secret,
                                         settings=settings)
        db.session.commit()
        return secret


def add_creator(app, network_id, code, name="Creator") -> int:
    with app.app_context():
        creator = Creator(network_id=network_id, name=name, code=code, code_key=fold(code))
        db.session.add(creator)
        db.session.commit()
        return creator.id


def counts(app) -> dict:
    with app.app_context():
        def count(model):
            return db.session.scalar(db.select(db.func.count(model.id)))
        return {"purchases": count(Purchase), "adjustments": count(Adjustment),
                "store_events": count(StoreEvent)}


NOTHING = {"purchases": 0, "adjustments": 0, "store_events": 0}


def last_delivery(app) -> Delivery:
    with app.app_context():
        delivery = db.session.scalars(db.select(Delivery).order_by(Delivery.id.desc())).first()
        db.session.expunge(delivery)
        return delivery
