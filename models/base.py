"""Helpers shared by the models: UTC time and case-insensitive keys."""
from datetime import date, datetime, timezone

from sqlalchemy import DateTime, ForeignKey, String, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def utc_today() -> date:
    """Today's UTC day, which every period and statement counts in."""
    return utcnow().date()


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, always hands back aware UTC datetimes (SQLite and PostgreSQL alike)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def fold(text: str) -> str:
    """The key used for case-insensitive lookups and uniqueness (usernames, codes, hostnames)."""
    return text.strip().casefold()


def render_migration_type(type_, obj, autogen_context):
    """Alembic hook: write UTCDateTime as a plain DateTime so migrations never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


class NetworkNamed:
    """The columns a Network's Campaign and Creator share: an id, the Network, a name and when
    it was made. Each adds its code (unique in the Network in any letter case: ``code_key``
    is the folded code)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
