"""Configuration: defaults, then environment variables, then the instance folder.

Nothing secret has a default. SECRET_KEY comes from the environment or is
generated once into ``instance/secret_key`` on first run.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

PLUGIN_JAR = Path(__file__).resolve().parent / "plugin" / "dist" / "tally.jar"


def _secret_key(instance_path: str) -> str:
    from_env = os.environ.get("TALLY_SECRET_KEY") or os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "tally.db")
    # Accept the common postgres:// spelling and pick the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load(instance_path: str) -> dict:
    """The settings for a normal run, read from the environment."""
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": (url := _database_url(instance_path)),
        # A server connection can drop while pooled; a SQLite file cannot (no ping per request).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not url.startswith("sqlite")},
        # Public base URL used when showing webhook URLs (e.g. https://tally.example.net).
        "PUBLIC_URL": os.environ.get("TALLY_PUBLIC_URL", "").rstrip("/"),
        "WEBHOOK_MAX_BYTES": int(os.environ.get("TALLY_WEBHOOK_MAX_BYTES", 64 * 1024)),
        # Largest plugin API request body (a bulk import of 1,000 joins fits well within).
        "API_MAX_BYTES": int(os.environ.get("TALLY_API_MAX_BYTES", 1024 * 1024)),
        # The game-server plugin, served at /plugin/tally.jar once plugin/build has made it.
        "PLUGIN_JAR": os.environ.get("TALLY_PLUGIN_JAR", str(PLUGIN_JAR)),
        # The background worker: "embedded" runs it in every process that serves requests
        # (one at a time does the work), "off" leaves it to `flask worker` processes.
        "WORKER": os.environ.get("TALLY_WORKER", "embedded"),
        # How long a dead worker keeps the lease before another takes over, and how long a
        # send claimed by a worker that died mid-send waits before it is sent again.
        "WORKER_LEASE_SECONDS": float(os.environ.get("TALLY_WORKER_LEASE_SECONDS", 15)),
        "SEND_LOCK_SECONDS": float(os.environ.get("TALLY_SEND_LOCK_SECONDS", 60)),
        # Do the worker's work for a request before answering it (for tests only).
        "WORK_INLINE": False,
        # Outbound calls (Discord, owners' endpoints, the gateway confirmation) reach public
        # addresses only; "1" lifts that for every one of them (a test receiver, a LAN).
        "OUTBOUND_ALLOW_PRIVATE": os.environ.get("TALLY_OUTBOUND_ALLOW_PRIVATE") == "1",
        "OUTBOUND_TIMEOUT": float(os.environ.get("TALLY_OUTBOUND_TIMEOUT", 10)),
        "DELIVERY_BODY_RETENTION_DAYS": int(os.environ.get("TALLY_DELIVERY_RETENTION_DAYS", 30)),
        "DELIVERY_LOG_RETENTION_DAYS": int(os.environ.get("TALLY_DELIVERY_LOG_DAYS", 90)),
        "RATELIMIT_STORAGE_URI": os.environ.get("TALLY_RATELIMIT_STORAGE", "memory://"),
        # Several Tally instances can share one Redis with a prefix each.
        "RATELIMIT_KEY_PREFIX": os.environ.get("TALLY_RATELIMIT_KEY_PREFIX", "tally"),
        # Per client address. Stores retry slowly (Donation Store: 5 tries; Tebex, CraftingStore:
        # minutes apart), so this only stops floods, never a store's legitimate retries.
        "WEBHOOK_RATE_LIMIT": os.environ.get("TALLY_WEBHOOK_RATE_LIMIT", "600 per minute"),
        "SHARE_RATE_LIMIT": os.environ.get("TALLY_SHARE_RATE_LIMIT", "60 per minute"),
        "READ_API_RATE_LIMIT": os.environ.get("TALLY_READ_API_RATE_LIMIT", "120 per minute"),
        "RATELIMIT_ENABLED": os.environ.get("TALLY_RATELIMIT", "on") != "off",
        # Let the gateway's confirmation reach private addresses (ledger.outbound).
        "GATEWAY_ALLOW_PRIVATE": os.environ.get("TALLY_GATEWAY_ALLOW_PRIVATE") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Behind an HTTPS proxy set TALLY_HTTPS=1 so cookies are Secure.
        "SESSION_COOKIE_SECURE": os.environ.get("TALLY_HTTPS") == "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("TALLY_HTTPS") == "1",
        # Number of proxies in front of Tally that set X-Forwarded-* (0 = none).
        "PROXY_COUNT": int(os.environ.get("TALLY_PROXY_COUNT", 0)),
        "WTF_CSRF_TIME_LIMIT": None,
        # A signed-in session ends after this long without a request (checked on the cookie's
        # signed timestamp, which every request renews).
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("TALLY_SESSION_IDLE_MINUTES", 12 * 60))),
        "HTTPS": os.environ.get("TALLY_HTTPS") == "1",
    }
