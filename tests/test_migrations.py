"""The migrations build exactly the schema the models describe, on each backend."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from extensions import db
from tests.conftest import make_app


def _empty() -> None:
    """No tables and no migration recorded, for ``upgrade`` to start from."""
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def _leave_migrated() -> None:
    """Down to nothing and up again: the schema stays in place for the next test on this
    database."""
    db.session.remove()
    downgrade(revision="base")
    upgrade()
    db.engine.dispose()


def test_migrations_match_models(backend, tmp_path, request):
    app = make_app(backend, tmp_path, request)
    with app.app_context():
        _empty()
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
        _empty()
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
        _leave_migrated()


def test_outcomes_migration_fills_from_existing_purchases_and_presence(backend, tmp_path,
                                                                        request):
    """Players, purchases and presence recorded before the outcome columns: the migration
    fills the players' wait and day back, the buyer and came-back counts, the cohorts and the
    Creator's buyers, each as ledger.outcomes would rebuild them."""
    from datetime import date

    from sqlalchemy import select, text

    from ledger import activity
    from models import ActivityDay, CohortMonth, CreatorBuyer, Player

    def kept():
        return (sorted((p.id, p.seconds_to_purchase, p.came_back_on)
                       for p in db.session.scalars(select(Player))),
                sorted((r.day, r.campaign_id, r.buyers, r.came_back)
                       for r in db.session.scalars(select(ActivityDay))),
                sorted((r.month, r.paid_month, r.currency, r.net_minor)
                       for r in db.session.scalars(select(CohortMonth))),
                sorted((r.creator_id, r.buyer_key)
                       for r in db.session.scalars(select(CreatorBuyer))))

    app = make_app(backend, tmp_path, request)
    with app.app_context():
        _empty()
        upgrade(revision="e8bd50a5383e")
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO networks (id, name, created_at) VALUES (1, 'N', '2026-01-01')",
                "INSERT INTO servers (id, network_id, name, project_id, api_key_hash, created_at)"
                " VALUES (1, 1, 'Lobby', 'p1', 'h1', '2026-01-01')",
                "INSERT INTO creators (id, network_id, name, code, code_key, created_at)"
                " VALUES (1, 1, 'Alex', 'ALEX', 'alex', '2026-01-01')",
                "INSERT INTO players (id, server_id, username, username_key, first_seen,"
                " last_seen) VALUES (1, 1, 'Steve', 'steve', '2026-03-01 10:00:00',"
                " '2026-03-04 01:00:00'), (2, 1, 'Anna', 'anna', '2026-03-01 12:00:00',"
                " '2026-03-01 12:00:00')",
                "INSERT INTO player_days (player_id, day, joins) VALUES (1, '2026-03-01', 1),"
                " (1, '2026-03-04', 2), (2, '2026-03-01', 1)",
                "INSERT INTO activity_days (network_id, server_id, day, campaign_id, joins,"
                " new_players, returning_players) VALUES (1, 1, '2026-03-01', 0, 2, 2, 0),"
                " (1, 1, '2026-03-04', 0, 2, 0, 1)",
                "INSERT INTO purchases (id, network_id, server_id, store, transaction_id, username,"
                " username_key, player_id, creator_id, amount_minor, reversed_minor, currency,"
                " recurring, purchased_at, received_at) VALUES"
                " (1, 1, 1, 'tebex', 't1', 'Steve', 'steve', 1, 1, 1000, 200, 'USD', false,"
                " '2026-03-02 10:00:30', '2026-03-02 10:00:30'),"
                " (2, 1, 1, 'tebex', 't2', 'Steve', 'steve', 1, NULL, 500, 0, 'USD', false,"
                " '2026-04-05 09:00:00', '2026-04-05 09:00:00'),"
                " (3, 1, 1, 'tebex', 't3', 'Ghost', 'ghost', NULL, 1, 700, 0, 'EUR', false,"
                " '2026-03-03 09:00:00', '2026-03-03 09:00:00')"):
                conn.execute(text(statement))
        upgrade()
        players, days, cohorts, creator_buyers = kept()
        assert players == [(1, 86430, date(2026, 3, 4)), (2, None, None)]
        assert [(d, c, b, back) for d, c, b, back in days if b or back] == \
            [(date(2026, 3, 1), 0, 1, 1)]
        assert cohorts == [(date(2026, 3, 1), date(2026, 3, 1), "USD", 800),
                           (date(2026, 3, 1), date(2026, 4, 1), "USD", 500)]
        assert creator_buyers == [(1, "ghost"), (1, "steve")]
        activity.rebuild_activity(1)
        assert kept() == (players, days, cohorts, creator_buyers)
        db.session.rollback()
        _leave_migrated()


def test_a_stored_discord_hint_that_shows_a_token_keeps_only_its_host(backend, tmp_path, request):
    """Hints stored before URLs with a path after the token were refused (…/<token>/github
    made the token the hint's "id") are cut to their host; sound hints are kept."""
    from sqlalchemy import text

    app = make_app(backend, tmp_path, request)
    with app.app_context():
        _empty()
        upgrade(revision="ad351b756d78")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO networks (id, name, created_at) VALUES (1, 'N', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO discord_alerts (id, network_id, url_encrypted, url_hint, topics,"
                " template, enabled, created_at) VALUES"
                " (1, 1, :blob, 'discord.com/…/s3cr3tTOKEN', '[]', 't', true, '2026-01-01'),"
                " (2, 1, :blob, 'discord.com/…/123456', '[]', 't', true, '2026-01-01')"),
                {"blob": b"x"})
        upgrade()
        with db.engine.connect() as conn:
            hints = dict(conn.execute(text("SELECT id, url_hint FROM discord_alerts")).all())
        assert hints == {1: "discord.com/… (paste the URL again)", 2: "discord.com/…/123456"}
        _leave_migrated()
