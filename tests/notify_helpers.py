"""Helpers for the outbox tests: purchases through the real webhook, the worker run in place."""
import json
import time

from sqlalchemy import select

from extensions import db
from models import OutboxEvent, Send
from providers import tebex
from tests.store_helpers import connect
from worker.loop import Worker

TEBEX_SECRET = "tbx-notify-secret"


def tebex_payment(n: int, amount: float = 12.5, currency: str = "EUR", username: str = "Notch",
                  kind: str = "payment.completed", event_id: str | None = None,
                  day: int = 2) -> dict:
    """A Tebex delivery of purchase ``n`` (a refund of it with ``kind``), made on ``day``
    November 2026."""
    price = {"amount": amount, "currency": currency}
    return {"id": event_id or f"evt-{kind}-{n}", "type": kind,
            "date": "2026-11-02T10:11:13+00:00",
            "subject": {"transaction_id": f"tbx-{n}", "status": {"id": 1},
                        "payment_sequence": "oneoff", "created_at": f"2026-11-{day:02d}T10:11:12Z",
                        "price": price, "price_paid": price,
                        "customer": {"email": "buyer@example.com",
                                     "username": {"id": "0" * 32, "username": username}},
                        "products": [{"name": "VIP", "quantity": 1, "paid_price": price}],
                        "coupons": [], "creator_code": None}}


def connect_tebex(app, server_id: int) -> None:
    connect(app, server_id, "tebex", secret=TEBEX_SECRET)


def post_tebex(client, project_id: str, payload: dict, secret: str = TEBEX_SECRET):
    body = json.dumps(payload).encode()
    return client.post(f"/api/webhooks/tebex?projectId={project_id}", data=body,
                       headers={"Content-Type": "application/json",
                                "X-Signature": tebex.sign(body, secret)})


def work(app, until=lambda: True, timeout: float = 15, worker: Worker | None = None) -> Worker:
    """Run worker rounds in this thread until there is nothing to do and ``until()`` holds."""
    worker = worker or Worker(app, holder="test-worker")
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            busy = worker.tick()
            if not busy and until():
                return worker
            if time.monotonic() > deadline:
                raise AssertionError("the worker did not finish in time")
            if not busy:
                time.sleep(0.02)


def sends(app, target: str | None = None) -> list[Send]:
    with app.app_context():
        query = select(Send).order_by(Send.id)
        if target:
            query = query.filter_by(target=target)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def outbox_kinds(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(OutboxEvent.kind).order_by(OutboxEvent.id)).all()
