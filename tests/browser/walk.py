"""Every page of the authorization walk's route list, filled with a `flask demo` Network's ids.

Shared by the browser tests that open each page (console, layout, accessibility).
"""
import re
import sqlite3

from tests.live import LiveTally

EMAIL, PASSWORD = "owner@example.net", "a long demo password"
# Route arguments filled from the demo Network; an `object_id` is a Campaign or Creator by
# the blueprint it belongs to.
OBJECT_TABLES = {"campaigns": "campaigns", "creators": "creators"}


def demo_tally(instance) -> LiveTally:
    """A Tally on SQLite with a small `flask demo` Network, served by `flask serve`."""
    tally = LiveTally(instance)
    tally.flask("db", "upgrade")
    tally.flask("demo", "--owner-email", EMAIL, "--password", PASSWORD, "--purchases", "300",
                "--days", "40", "--seed", "7")
    # A Discord alert for its log page (told only about failing stores: nothing is sent).
    tally.flask("notifications", "discord", "1", "https://discord.com/api/webhooks/1/walk",
                "--topic", "failing")
    return tally.start(flask_serve=True)


def demo_ids(tally: LiveTally) -> dict:
    with sqlite3.connect(tally.instance / "tally.db") as conn:
        def first(sql):
            row = conn.execute(sql).fetchone()
            return row[0] if row else 1
        return {"network_id": first("SELECT id FROM networks"),
                "server_id": first("SELECT server_id FROM integrations") if first(
                    "SELECT count(*) FROM integrations") else first("SELECT id FROM servers"),
                "purchase_id": first("SELECT id FROM purchases ORDER BY id DESC"),
                "campaigns": first("SELECT id FROM campaigns"),
                "creators": first("SELECT id FROM creators"),
                "store": "custom", "user_id": first("SELECT id FROM users"),
                "target": "discord", "target_id": first("SELECT id FROM discord_alerts"),
                "token": share_token(tally), "month": "2026-01"}


def share_token(tally: LiveTally) -> str:
    """A live share link of the demo's first Creator (made once per Tally)."""
    if getattr(tally, "share_token", None) is None:
        from sqlalchemy import select

        from extensions import db, expect_writes, forget_writes
        from ledger import share_links
        from models import Creator

        app, token = tally.app(), expect_writes()
        try:
            with app.app_context():
                creator = db.session.scalars(select(Creator).order_by(Creator.id)).first()
                _, tally.share_token = share_links.make(creator.network_id, "creator",
                                                        creator.id, True, None, None)
                db.session.commit()
                db.session.remove()
        finally:
            forget_writes(token)
    return tally.share_token


def route_map(tally: LiveTally):
    """The running Tally's routes (an app built on the same instance, never served)."""
    import os

    from app import create_app

    saved = os.environ.get("TALLY_INSTANCE_PATH")
    os.environ["TALLY_INSTANCE_PATH"] = str(tally.instance)
    try:
        return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    finally:
        if saved is None:
            del os.environ["TALLY_INSTANCE_PATH"]
        else:
            os.environ["TALLY_INSTANCE_PATH"] = saved


def page_urls(app, ids: dict) -> list[str]:
    """The GET pages of the route list (no APIs, no downloads), with the demo's ids."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")) \
                or rule.rule.endswith((".csv", ".jar", ".ico")) \
                or rule.endpoint in ("web.healthz", "auth.setup"):
            continue
        url = rule.rule
        for name in rule.arguments:
            value = ids[OBJECT_TABLES[rule.endpoint.split(".")[0]]] if name == "object_id" \
                else ids.get(name, 1)
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
        urls.append(url)
    return urls


def log_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def is_offline_cdn(url: str) -> bool:
    """The htmx CDN cannot be reached here; the vendored copy takes over."""
    return "unpkg.com" in (url or "")
