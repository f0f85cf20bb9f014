"""Real servers for tests that need real HTTP: gunicorn (several processes) or a werkzeug thread."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process=None, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{process.stderr.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{base} did not come up")


@contextmanager
def gunicorn(app, workers: int = 4, threads: int = 1):
    """Serve ``app``'s database and SECRET_KEY from a separate gunicorn with ``workers`` processes."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               TALLY_SECRET_KEY=app.config["SECRET_KEY"], TALLY_INSTANCE_PATH=app.instance_path,
               TALLY_RATELIMIT="off")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def thread_server(app):
    """Serve ``app`` itself from a threaded werkzeug server in this process."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        wait_until_up(base)
        yield base
    finally:
        server.shutdown()
        thread.join(5)


def _on_postgres(base_url: str, *statements: str):
    """Run ``statements`` outside a transaction on the server of ``base_url``; returns its URL."""
    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1)
                   if base_url.startswith("postgresql://") else base_url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()
    return url


def wait_for_drain(app, timeout: float = 30) -> float:
    """Wait until every received delivery of ``app``'s database is applied; the seconds it
    took. A worker elsewhere (a served process, `flask worker`) does the applying."""
    from extensions import db
    from ledger import receipts

    started = time.monotonic()
    while True:
        with app.app_context():
            backlog = receipts.backlog()
            db.session.remove()
        if backlog.waiting == 0:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{backlog.waiting} deliveries still waiting after {timeout} s")
        time.sleep(0.05)


def fresh_postgres_database(base_url: str, name: str) -> str:
    """(Re)create database ``name`` on the server of ``base_url``; returns its URL."""
    url = _on_postgres(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                       f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base_url: str, name: str) -> None:
    """Drop database ``name`` (made by fresh_postgres_database)."""
    _on_postgres(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LiveTally:
    """Migrates a database, then runs ``gunicorn 'app:create_app()'`` against it."""

    def __init__(self, instance: Path, database_url: str | None = None, workers: int = 2):
        self.instance, self.workers, self.port = instance, workers, free_port()
        self.env = {**os.environ, "TALLY_INSTANCE_PATH": str(instance),
                    "TALLY_SECRET_KEY": "live-test-secret-key", "TALLY_RATELIMIT": "off",
                    "TALLY_PUBLIC_URL": f"http://127.0.0.1:{self.port}"}
        if database_url:
            self.env["DATABASE_URL"] = database_url
        else:
            self.env.pop("DATABASE_URL", None)
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self):
        """An app on this instance's database and secret key, to read (or set up) its rows
        (its worker is off: the served processes run theirs)."""
        from app import create_app

        saved = os.environ.get("TALLY_INSTANCE_PATH")
        os.environ["TALLY_INSTANCE_PATH"] = str(self.instance)
        url = self.env.get("DATABASE_URL") or f"sqlite:///{self.instance / 'tally.db'}"
        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            return create_app({"SQLALCHEMY_DATABASE_URI": url, "WORKER": "off",
                               "SECRET_KEY": self.env["TALLY_SECRET_KEY"]})
        finally:
            if saved is None:
                os.environ.pop("TALLY_INSTANCE_PATH", None)
            else:
                os.environ["TALLY_INSTANCE_PATH"] = saved

    def drained(self, app, timeout: float = 30) -> float:
        """Wait until the served worker has applied every received delivery (the backlog is
        empty); the seconds it took. Fails after ``timeout``."""
        return wait_for_drain(app, timeout)

    def flask(self, *args: str) -> str:
        """Run a ``flask`` CLI command against this instance; returns stdout."""
        result = subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *args], cwd=ROOT,
                                env=self.env, capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result.stdout

    def start(self, flask_serve: bool = False) -> "LiveTally":
        """Run gunicorn, or with ``flask_serve`` the README's ``flask serve`` (which migrates
        first and runs gunicorn from inside the CLI)."""
        command = ([str(VENV_BIN / "flask"), "--app", "app", "serve", "--port", str(self.port),
                    "--workers", str(self.workers)] if flask_serve else
                   [str(VENV_BIN / "gunicorn"), "-w", str(self.workers), "-b",
                    f"127.0.0.1:{self.port}", "--timeout", "60", "app:create_app()"])
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until_up(self.url, timeout=60 if flask_serve else 30)
        except RuntimeError:
            self.stop()
            raise
        return self

    def worker(self) -> subprocess.Popen:
        """Start ``flask worker`` (a process of its own) against this instance."""
        return subprocess.Popen([str(VENV_BIN / "flask"), "--app", "app", "worker"], cwd=ROOT,
                                env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def kill(self) -> None:
        """kill -9 the whole gunicorn process group, as a crash would."""
        if self.process:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


def post(url: str, body: bytes, headers: dict, timeout: float = 10) -> tuple[int, dict]:
    """POST and return (status, JSON body); status 0 when the connection failed."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (OSError, ValueError, http.client.HTTPException):  # e.g. killed mid-reply
        return 0, {}
