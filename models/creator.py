from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import NetworkNamed


class Creator(NetworkNamed, db.Model):
    """A content creator whose code (required) buyers enter at checkout."""

    __tablename__ = "creators"
    __table_args__ = (UniqueConstraint("network_id", "code_key"),)
    code: Mapped[str] = mapped_column(String(64))
    code_key: Mapped[str] = mapped_column(String(64))
