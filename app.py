"""Tally: the application factory. It wires extensions, blueprints and CLI; no business logic."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config
import models  # noqa: F401  (registers every table with SQLAlchemy)
import worker
from extensions import csrf, db, limiter, login_manager, migrate
from models.base import render_migration_type


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("TALLY_INSTANCE_PATH") or None,
                instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"),
                     render_as_batch=True, render_item=render_migration_type)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from blueprints import register_blueprints
    from commands import register_commands

    register_blueprints(app)
    register_commands(app)
    worker.init_app(app)
    return app
