"""The plugin's end-to-end fixtures: tally.jar built once per run (plugin/build), and a live Tally
(gunicorn) per backend, set up through its flask CLI, for the Java driver to talk to."""
import fcntl
import os
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from extensions import db, expect_writes, forget_writes
from tests.live import LiveTally, drop_postgres_database, fresh_postgres_database
from tests.plugin.driver import JAR, PLUGIN, PluginProcess, write_config
from tests.plugin.fake import FakeTally

NETWORK = "Plugin Network"
OWNER = "plugin@example.com"


@pytest.fixture(scope="session")
def plugin_jar():
    """Runs plugin/build once. Without a JDK the tests skip, except under CI=true: there they fail."""
    if not (shutil.which("javac") and shutil.which("java") and shutil.which("jar")):
        reason = "the plugin tests need a JDK 17 (javac): apt-get install openjdk-17-jdk-headless"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)")
        pytest.skip(reason)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")  # shared by this run's xdist workers
    marker = PLUGIN / "dist" / ".built-by-run"
    with open(PLUGIN / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; a worker's build serves the rest
        if not run or not marker.exists() or marker.read_text() != run:
            result = subprocess.run(["bash", str(PLUGIN / "build")], capture_output=True,
                                    text=True, timeout=300)
            assert result.returncode == 0, result.stderr
            marker.write_text(run)
    return JAR


class Tally:
    """A live Tally with one Network: Campaigns YouTube (yt.example.net) and Twitch
    (tw.example.net), and the creator code ALEX."""

    def __init__(self, live: LiveTally, backend: str):
        self.live, self.backend = live, backend
        self.app = live.app()

    @property
    def url(self) -> str:
        return self.live.url

    def new_server(self, name: str) -> SimpleNamespace:
        """A Server and its plugin key. Made in this process (a flask CLI start per test costs a
        second); the Network, Campaigns and creator come from the CLI."""
        from ledger.accounts import find_network
        from ledger.servers import create_server

        token = expect_writes()  # the served Tally writes meanwhile (its worker too)
        try:
            with self.app.app_context():
                server, key = create_server(find_network(NETWORK), name)
                db.session.commit()
                return SimpleNamespace(id=server.id, key=key)
        finally:
            forget_writes(token)

    def players(self, server) -> dict:
        """username -> the name of the Campaign that brought them (or None)."""
        from models import Campaign, Player

        with self.app.app_context():
            rows = db.session.execute(select(Player.username, Campaign.name)
                                      .outerjoin(Campaign, Player.campaign_id == Campaign.id)
                                      .where(Player.server_id == server.id))
            return dict(rows.all())

    def player_count(self, server) -> int:
        from models import Player

        with self.app.app_context():
            return db.session.scalar(select(func.count(Player.id)).where(Player.server_id == server.id))

    def purchases(self, server) -> list:
        from models import Purchase

        with self.app.app_context():
            found = db.session.scalars(select(Purchase).where(Purchase.server_id == server.id)
                                       .order_by(Purchase.id)).all()
            return [SimpleNamespace(
                transaction_id=p.transaction_id, username=p.username, store=p.store,
                amount_minor=p.amount_minor, currency=p.currency, reversed_minor=p.reversed_minor,
                player=p.player.username if p.player else None,
                campaign=p.campaign.name if p.campaign else None,
                creator=p.creator.code if p.creator else None,
                items=[(i.name, i.quantity, i.total_minor) for i in p.items]) for p in found]

    def calls(self, server) -> list:
        """The Server's Game server log: (status, outcome, transaction id), oldest first."""
        from ledger.game_server import SOURCE
        from models import Delivery

        with self.app.app_context():
            return db.session.execute(
                select(Delivery.status_code, Delivery.outcome, Delivery.transaction_id)
                .where(Delivery.server_id == server.id, Delivery.store == SOURCE)
                .order_by(Delivery.id)).all()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def tally(request, plugin_jar, tmp_path_factory):
    database_url = base = name = None
    if request.param == "postgres":
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip("TEST_DATABASE_URL is not set")
        name = f"{make_url(base).database}_plugin_e2e"  # beside the run's own database
        database_url = fresh_postgres_database(base, name)
    live = LiveTally(tmp_path_factory.mktemp("tally") / "instance", database_url)
    live.flask("db", "upgrade")
    live.flask("users", "create", OWNER, "--password", "plugin test password")
    live.flask("networks", "create", NETWORK, "--owner", OWNER)
    live.flask("campaigns", "create", NETWORK, "YouTube", "--hostname", "yt.example.net")
    live.flask("campaigns", "create", NETWORK, "Twitch", "--hostname", "tw.example.net")
    live.flask("creators", "create", NETWORK, "Alex", "ALEX")
    live.start()
    tally = Tally(live, request.param)
    yield tally
    live.stop()
    with tally.app.app_context():
        db.engine.dispose()
    if name:
        drop_postgres_database(base, name)


@pytest.fixture
def driver(plugin_jar, tmp_path):
    """start(platform, folder, url=..., key=..., **settings): a driver process; config.yml is
    written when a key is given (a restart passes none and keeps the folder as it is)."""
    started = []

    def start(platform: str, folder=None, url: str = "", key: str | None = None, wrapper=(),
              **settings) -> PluginProcess:
        folder = folder or tmp_path / platform
        if key is not None:
            write_config(folder, url, key, **settings)
        process = PluginProcess(platform, folder, wrapper)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


@pytest.fixture
def plugin(tally, driver):
    """start(platform, folder, key=..., **settings): the driver, talking to the live Tally."""
    return lambda platform, folder=None, key=None, **settings: driver(
        platform, folder, tally.url, key, **settings)


@pytest.fixture
def fake_tally():
    """A scripted stand-in for Tally's plugin API (tests/plugin/fake.py)."""
    fake = FakeTally()
    yield fake
    fake.close()
