"""``flask serve``: apply migrations, then run the production server (gunicorn)."""
import click
from flask import current_app, has_app_context
from flask.cli import with_appcontext
from flask.globals import app_ctx
from flask_migrate import upgrade
from gunicorn.app.base import BaseApplication

import worker
from extensions import db


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=1, show_default=True,
              help="Processes. More than one needs shared rate-limit storage.")
@click.option("--threads", default=8, show_default=True, help="Threads per process.")
@click.option("--unshared-rate-limits", is_flag=True,
              help="Run several workers although each counts rate limits on its own.")
@with_appcontext
def serve(host: str, port: int, workers: int, threads: int, unshared_rate_limits: bool) -> None:
    """Apply database migrations and serve Tally with gunicorn."""
    check_rate_limit_storage(current_app.config, workers, unshared_rate_limits)
    upgrade()
    db.engine.dispose()  # no connection may cross the fork into gunicorn's workers
    click.echo(f"Tally is running on http://{host}:{port}/  (Ctrl-C to stop)")
    _Gunicorn(current_app._get_current_object(), host, port, workers, threads).run()


def check_rate_limit_storage(config, workers: int, allowed: bool) -> None:
    """Refuse several worker processes that would each keep their own rate-limit counts
    (in-memory storage), which multiplies every limit, the login limit included."""
    in_memory = config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://")
    if workers > 1 and in_memory and config.get("RATELIMIT_ENABLED", True) and not allowed:
        raise click.ClickException(
            f"{workers} workers would each count rate limits on their own, in memory, so every "
            "limit (login attempts too) would be that many times looser. Set "
            "TALLY_RATELIMIT_STORAGE to shared storage (e.g. redis://127.0.0.1:6379), run one "
            "worker (it has --threads), or pass --unshared-rate-limits to accept it.")


# The path without its query string: EnderPay's webhook URL carries its secret as ?token=.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'


class _Gunicorn(BaseApplication):
    def __init__(self, app, host, port, workers, threads):
        self.application = app
        self.options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                        "accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT, "timeout": 30}
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """Runs in each worker after the fork. The CLI ran this command inside an app context,
        and the worker inherits it; Flask would then reuse that one context, and its ``g``,
        for every request instead of giving each its own, so one visitor's logged-in user
        and CSRF token would be served to the next. Leave it first. Then start the embedded
        worker, so a backlog left before a restart is worked without waiting for a request."""
        while has_app_context():
            app_ctx._get_current_object().pop()
        worker.start_embedded(self.application)
        return self.application


COMMANDS = (serve,)
