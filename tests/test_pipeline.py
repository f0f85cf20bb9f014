"""The shared webhook pipeline, exercised through the Custom store."""
import json

import runtime
from extensions import db
from ledger import integrations, servers
from models import Delivery, Purchase, Server
from providers.custom import sign


def connect(app, server_id, store="custom"):
    with app.app_context():
        _, secret = integrations.connect(db.session.get(Server, server_id), store,
                                         runtime.secret_box())
        db.session.commit()
        return secret


def post(client, project_id, payload, secret, store="custom"):
    body = json.dumps(payload).encode()
    return client.post(f"/api/webhooks/{store}?projectId={project_id}", data=body,
                       headers={"X-Signature": sign(body, secret),
                                "Content-Type": "application/json"})


PAYLOAD = {"transaction_id": "order-1", "username": "Steve", "amount": 9.99}


def test_accept_then_duplicate(app, client, server):
    secret = connect(app, server.id)
    first = post(client, server.project_id, PAYLOAD, secret)
    assert first.status_code == 200 and first.json == {"status": "accepted"}
    second = post(client, server.project_id, PAYLOAD, secret)
    assert second.status_code == 200 and second.json == {"status": "duplicate"}
    with app.app_context():
        purchase = db.session.scalars(db.select(Purchase)).one()
        assert (purchase.amount_minor, purchase.currency) == (999, "USD")
        outcomes = [d.outcome for d in db.session.scalars(db.select(Delivery).order_by(Delivery.id))]
        assert outcomes == ["accepted", "duplicate"]


def test_rejections_are_logged_and_write_nothing(app, client, server):
    secret = connect(app, server.id)
    assert post(client, server.project_id, PAYLOAD, "wrong").status_code == 401
    assert post(client, server.project_id, {"username": "x", "amount": 1}, secret).status_code == 400
    assert post(client, "nope", PAYLOAD, secret).status_code == 404
    assert client.post("/api/webhooks/custom", data=b"{}").status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Purchase.id))) == 0
        rows = db.session.scalars(db.select(Delivery).order_by(Delivery.id)).all()
        # Only refusals for the connected store are rows; only the verified one keeps its body.
        assert [(d.status_code, d.body is not None, d.size) for d in rows] == [
            (401, False, len(json.dumps(PAYLOAD))),
            (400, True, len(json.dumps({"username": "x", "amount": 1})))]


def _change_after_read(monkeypatch, app, server_id, change):
    """Run ``change`` (a regenerate or a disconnect, committed) right after the pipeline
    has read the integration, before its write transaction: the race the re-check closes."""
    from ledger import targets
    read = targets.read
    done = []

    def read_then_change(project_id, store):
        found = read(project_id, store)
        if not done:
            done.append(True)
            with app.app_context():  # a separate session, as another request would be
                change(db.session.get(Server, server_id))
                db.session.commit()
        return found

    monkeypatch.setattr(targets, "read", read_then_change)


def test_regenerate_between_read_and_write_gets_401(app, client, server, monkeypatch):
    secret = connect(app, server.id)
    _change_after_read(monkeypatch, app, server.id,
                       lambda s: integrations.regenerate(integrations.find(s.id, "custom"),
                                                         runtime.secret_box()))
    response = post(client, server.project_id, PAYLOAD, secret)
    assert response.status_code == 401
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Purchase.id))) == 0
        assert [d.status_code for d in db.session.scalars(db.select(Delivery))] == [401]


def test_disconnect_between_read_and_write_gets_404(app, client, server, monkeypatch):
    secret = connect(app, server.id)
    _change_after_read(monkeypatch, app, server.id,
                       lambda s: integrations.disconnect(integrations.find(s.id, "custom")))
    assert post(client, server.project_id, PAYLOAD, secret).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Purchase.id))) == 0


def _regenerate(app, server_id) -> str:
    """Regenerate the Custom secret the way another process would: the pipeline's cached
    copy of the integration (ledger.targets.Targets) is not told."""
    with app.app_context():
        secret = integrations.regenerate(integrations.find(server_id, "custom"),
                                         runtime.secret_box())
        db.session.commit()
        return secret


def test_cached_integration_follows_a_regenerate_elsewhere(app, client, server):
    old = connect(app, server.id)
    assert post(client, server.project_id, PAYLOAD, old).json == {"status": "accepted"}
    new = _regenerate(app, server.id)  # the old secret is still cached
    second = dict(PAYLOAD, transaction_id="order-2")
    assert post(client, server.project_id, second, new).json == {"status": "accepted"}
    new = _regenerate(app, server.id)  # cached again: the second secret
    third = dict(PAYLOAD, transaction_id="order-3")
    assert post(client, server.project_id, third, old).status_code == 401
    assert post(client, server.project_id, third, new).json == {"status": "accepted"}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Purchase.id))) == 3


def test_cached_integration_follows_a_disconnect_elsewhere(app, client, server):
    secret = connect(app, server.id)
    assert post(client, server.project_id, PAYLOAD, secret).status_code == 200
    with app.app_context():
        integrations.disconnect(integrations.find(server.id, "custom"))
        db.session.commit()
    second = dict(PAYLOAD, transaction_id="order-2")
    assert post(client, server.project_id, second, secret).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Purchase.id))) == 1


def test_cached_server_deleted_elsewhere_gets_404_even_for_a_bad_body(app, client, server):
    secret = connect(app, server.id)
    assert post(client, server.project_id, PAYLOAD, secret).status_code == 200
    with app.app_context():  # another process deletes the Server; this one still has it cached
        servers.delete_server(db.session.get(Server, server.id))
        db.session.commit()
    assert post(client, server.project_id, {"username": "x"}, secret).status_code == 404
    assert post(client, server.project_id, PAYLOAD, "wrong").status_code == 404
