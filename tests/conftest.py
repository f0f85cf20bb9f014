"""Shared fixtures, in the shape of Flask's tutorial: app, client, runner, plus a logged-in owner.

Every test that takes ``app`` runs on SQLite, and again on PostgreSQL when
TEST_DATABASE_URL is set (``.ci/run`` sets it).
"""
import os
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

os.environ.setdefault("TALLY_SECRET_KEY", "test-secret-key-not-for-production")

from app import create_app  # noqa: E402
from config import _database_url  # noqa: E402
from extensions import db  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under pytest -n
if PG_URL and XDIST_WORKER:
    # Each pytest-xdist worker gets its own database beside the run's (dropped when it ends);
    # the tests that derive further databases from TEST_DATABASE_URL derive them from it.
    from tests.live import fresh_postgres_database

    RUN_PG_URL = PG_URL
    PG_URL = fresh_postgres_database(PG_URL, f"{make_url(PG_URL).database}_{XDIST_WORKER}")
    os.environ["TEST_DATABASE_URL"] = PG_URL
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery"


def pytest_unconfigure(config):
    if PG_URL and XDIST_WORKER:
        from tests.live import drop_postgres_database

        drop_postgres_database(RUN_PG_URL, make_url(PG_URL).database)


def pg_url() -> str:
    os.environ["DATABASE_URL"], saved = PG_URL, os.environ.get("DATABASE_URL")
    try:
        return _database_url("")
    finally:
        if saved is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = saved


@pytest.fixture(scope="session")
def pg_schema():
    """Create the schema once per run on PostgreSQL; tests truncate instead of recreating."""
    import models  # noqa: F401

    engine = create_engine(pg_url())
    db.metadata.drop_all(engine)
    db.metadata.create_all(engine)
    engine.dispose()
    return pg_url()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def make_app(backend: str, tmp_path, request, **overrides):
    if backend == "postgres":
        url = request.getfixturevalue("pg_schema")
        _truncate_all(url)
    else:
        url = f"sqlite:///{tmp_path / 'test.db'}"
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PUBLIC_URL": "http://tally.test",
        "WORKER": "off",  # tests that need the worker start it themselves
        "WORK_INLINE": True,
        "WORKER_NICE": 0,  # a worker run in a test's own thread leaves its priority alone
    }
    settings.update(overrides)
    saved = os.environ.get("TALLY_INSTANCE_PATH")
    os.environ["TALLY_INSTANCE_PATH"] = str(tmp_path / "instance")
    try:
        application = create_app(settings)
    finally:  # the app has read it; leave the environment as it was
        if saved is None:
            del os.environ["TALLY_INSTANCE_PATH"]
        else:
            os.environ["TALLY_INSTANCE_PATH"] = saved
    if backend == "sqlite":
        with application.app_context():
            db.create_all()
    return application


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(backend, tmp_path, request):
    application = make_app(backend, tmp_path, request)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def owner(app):
    """The owner account (not logged in). Returns its id."""
    from ledger import accounts

    with app.app_context():
        user = accounts.create_user(OWNER_EMAIL, OWNER_PASSWORD)
        db.session.commit()
        return user.id


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email=OWNER_EMAIL, password=OWNER_PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def logged_in(client, auth, owner):
    """A client logged in as the owner."""
    response = auth.login()
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def network(app, owner):
    """A Network owned by ``owner``. Returns its id."""
    from ledger import accounts
    from models import User

    with app.app_context():
        net = accounts.create_network(db.session.get(User, owner), "Test Network")
        db.session.commit()
        return net.id


@pytest.fixture
def server(app, network):
    """A Server in ``network``: id, project_id and the plugin api_key (shown once)."""
    from ledger.servers import create_server
    from models import Network

    with app.app_context():
        srv, key = create_server(db.session.get(Network, network), "Lobby")
        db.session.commit()
        return SimpleNamespace(id=srv.id, project_id=srv.project_id, api_key=key,
                               network_id=network)


@pytest.fixture
def other_network(app):
    """A second Network with its own owner, a Server, to check isolation."""
    from ledger import accounts
    from ledger.servers import create_server

    with app.app_context():
        user = accounts.create_user("stranger@example.com", "another long password")
        net = accounts.create_network(user, "Other Network")
        srv, key = create_server(net, "Foreign")
        db.session.commit()
        return SimpleNamespace(id=net.id, user_id=user.id, server_id=srv.id,
                               project_id=srv.project_id, api_key=key)


FIGURES: list[str] = []


@pytest.fixture
def figure(request):
    """Report a measured figure (deliveries sent, fuzz cases, ...) in the run's summary. It rides
    on the test's report, so it reaches the summary from a pytest-xdist worker too."""
    return lambda line: request.node.user_properties.append(("figure", line))


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        FIGURES.extend(value for name, value in report.user_properties if name == "figure")


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures measured by this run")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def sales(app, server):
    """A small fixed data set of players, Campaigns, creators and purchases in several
    currencies and stores on ``server`` (tests/revenue_data.py says what is in it)."""
    from tests import revenue_data

    with app.app_context():
        return revenue_data.build(server.network_id, server.id)
