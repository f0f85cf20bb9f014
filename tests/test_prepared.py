"""ledger.compiled and ledger.prepared: values written and read through the DB-API connection
come out exactly as through SQLAlchemy (aware UTC times, dates, JSON, booleans, bytes), on each
backend; lists of rows in parts, padded, in order."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import bindparam, func, insert, select, update

from extensions import db
from ledger import prepared
from ledger.compiled import Prepared, Sized
from models import Buyer, Delivery, Purchase, RevenueDay, Server

WHEN = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=timezone.utc)
PURCHASE = dict(store="custom", transaction_id="t-1", username="Steve", username_key="steve",
                coupon=None, uuid=None, email=None, amount_minor=999, reversed_minor=0,
                currency="EUR", recurring=True, purchased_at=WHEN, received_at=WHEN,
                delivery_id=None, extra={"note": "ünïcode", "n": [1, 2]})
COLUMNS = tuple(PURCHASE) + ("network_id", "server_id")


def _server(server_id):
    found = db.session.get(Server, server_id)
    return {"network_id": found.network_id, "server_id": found.id}


def test_a_row_written_through_prepared_reads_back_through_the_orm(app, server):
    with app.app_context():
        conn = db.session.connection()
        Prepared(insert(Purchase.__table__), COLUMNS).execute(conn, PURCHASE | _server(server.id))
        db.session.commit()
        stored = db.session.scalars(select(Purchase)).one()
        assert {name: getattr(stored, name) for name in PURCHASE} == PURCHASE
        assert stored.purchased_at.tzinfo is not None


def test_rows_written_by_the_orm_read_back_through_prepared(app, server):
    with app.app_context():
        db.session.add(Purchase(**PURCHASE, **_server(server.id)))
        db.session.add(RevenueDay(**_server(server.id), span="day", day=date(2026, 3, 4),
                                  currency="EUR", store="custom", dimension="matched", ref_id=1,
                                  purchases=1, gross_minor=999, refunded_minor=0,
                                  chargeback_minor=0))
        db.session.commit()
        purchases = Prepared(select(Purchase.purchased_at, Purchase.extra, Purchase.recurring)
                             .where(Purchase.currency == bindparam("currency")))
        assert purchases.read({"currency": "EUR"}) == [(WHEN, PURCHASE["extra"], True)]
        days = Prepared(select(RevenueDay.day).where(RevenueDay.store == bindparam("store")))
        assert days.rows(db.session.connection(), {"store": "custom"}) == [(date(2026, 3, 4),)]


def test_bytes_and_missing_parameters(app, server):
    with app.app_context():
        statement = Prepared(insert(Delivery.__table__).returning(Delivery.id),
                             ("server_id", "store", "received_at", "status_code", "outcome",
                              "body", "apply_attempts"))
        row = dict(server_id=server.id, store="custom", received_at=WHEN, status_code=200,
                   outcome="accepted", body=b"\x00\xffraw", apply_attempts=0)
        delivery_id = statement.execute(db.session.connection(), row).fetchone()[0]
        db.session.commit()
        assert db.session.get(Delivery, delivery_id).body == b"\x00\xffraw"
        with pytest.raises(KeyError, match="outcome"):  # never sent as NULL
            statement.execute(db.session.connection(), {k: v for k, v in row.items()
                                                        if k != "outcome"})
        db.session.rollback()


def test_a_none_written_into_the_statement_is_bound_as_null(app, server):
    with app.app_context():
        db.session.add(Delivery(server_id=server.id, store="custom", received_at=WHEN,
                                status_code=200, outcome="accepted", apply_error="boom"))
        db.session.commit()
        cleared = Prepared(update(Delivery.__table__).values(apply_error=None, apply_attempts=0)
                           .where(Delivery.__table__.c.id == bindparam("delivery_id")))
        delivery_id = db.session.scalar(select(Delivery.id))
        cleared.execute(db.session.connection(), {"delivery_id": delivery_id})
        db.session.commit()
        db.session.expire_all()
        delivery = db.session.get(Delivery, delivery_id)
        assert (delivery.apply_error, delivery.apply_attempts) == (None, 0)


def test_sized_statements_pad_and_split_lists_of_any_length(app, server):
    """The buyers' VALUES-list statements: a list longer than one statement is sent in parts,
    a short one padded with its last row, and neither changes what is written or read."""
    scopes = [(server.network_id, "EUR", f"buyer{n}", server.id, "custom") for n in range(300)]
    with app.app_context():
        conn = db.session.connection()
        insert_buyers = prepared.INSERT_BUYERS[conn.dialect.name]
        first = insert_buyers.rows(conn, [(*scope, date(2026, 3, 1)) for scope in scopes[:299]])
        again = insert_buyers.rows(conn, [(*scope, date(2026, 3, 2)) for scope in scopes[295:]])
        assert sorted(first) == sorted(scopes[:299]) and again == [scopes[299]]
        found = prepared.LOCKED_BUYERS.rows(conn, scopes[:3] + scopes[298:])
        assert sorted({(row[1:6], row[6]) for row in found}) == [  # padding may repeat rows
            (scopes[0], date(2026, 3, 1)), (scopes[1], date(2026, 3, 1)),
            (scopes[2], date(2026, 3, 1)), (scopes[298], date(2026, 3, 1)),
            (scopes[299], date(2026, 3, 2))]
        assert db.session.scalar(select(func.count()).select_from(Buyer)) == 300


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_buyers_lookup_probes_the_index_at_its_longest(app):
    """At 256 rows SQLite's planner scans the whole Buyer table for this join (a batch then
    took 120 ms with 400,000 Buyer rows); parts of ``Sized.MOST`` rows probe its index."""
    with app.app_context():
        conn = db.session.connection()
        for size in (1, Sized.MOST):
            sql = Prepared(prepared._locked_buyers(size))._for(conn.dialect).sql
            plan = " | ".join(row[3] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, (1, "EUR", "steve", 1, "custom") * size))
            assert "SEARCH revenue_buyers USING INDEX" in plan, plan


def test_buyer_rows_are_locked_in_the_order_their_scopes_are_given(app, server):
    """Transactions lock shared Buyer rows in one order (their sorted scopes), across the
    parts of a long list too: rows come back in the scopes' order, not by id."""
    scopes = [(server.network_id, "EUR", f"buyer{n:03}", server.id, "custom") for n in range(70)]
    with app.app_context():
        conn = db.session.connection()
        for scope in reversed(scopes):  # ids descend as the scopes ascend
            prepared.INSERT_BUYERS[conn.dialect.name].rows(conn, [(*scope, date(2026, 3, 1))])
        found = [row[1:6] for row in prepared.LOCKED_BUYERS.rows(conn, scopes)]
        assert list(dict.fromkeys(found)) == scopes
