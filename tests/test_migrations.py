"""The migrations build exactly the schema the models describe, on each backend."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from extensions import db
from tests.conftest import make_app


def test_migrations_match_models(backend, tmp_path, request):
    app = make_app(backend, tmp_path, request)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()  # leave the schema in place for the next test on this database
        db.engine.dispose()


def test_activity_migration_counts_existing_players(backend, tmp_path, request):
    """Players recorded before the activity tables get presence on their first and last day,
    and the rollup built from it equals what ledger.activity would rebuild."""
    from datetime import date

    from sqlalchemy import select, text

    from ledger import activity
    from models import ActivityDay

    app = make_app(backend, tmp_path, request)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision="66c6c19803be")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO networks (id, name, created_at) VALUES (1, 'N', '2026-01-01');"))
            conn.execute(text(
                "INSERT INTO servers (id, network_id, name, project_id, api_key_hash, created_at)"
                " VALUES (1, 1, 'Lobby', 'p1', 'h1', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO players (id, server_id, username, username_key, first_seen, last_seen)"
                " VALUES (1, 1, 'Steve', 'steve', '2026-03-01 23:00:00', '2026-03-04 01:00:00'),"
                " (2, 1, 'Anna', 'anna', '2026-03-01 10:00:00', '2026-03-01 11:00:00')"))
        upgrade()
        rows = {(r.day, r.campaign_id): (r.joins, r.new_players, r.returning_players)
                for r in db.session.scalars(select(ActivityDay))}
        assert rows == {(date(2026, 3, 1), 0): (2, 2, 0), (date(2026, 3, 4), 0): (1, 0, 1)}
        activity.rebuild_activity(1)
        assert {(r.day, r.campaign_id): (r.joins, r.new_players, r.returning_players)
                for r in db.session.scalars(select(ActivityDay))} == rows
        db.session.rollback()
        downgrade(revision="base")
        upgrade()  # leave the schema in place for the next test on this database
        db.session.remove()
        db.engine.dispose()
