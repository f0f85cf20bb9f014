from flask_login import UserMixin
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.base import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored folded
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Part of every session's user id (get_id): raising it ends all of the user's sessions.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version."""
        return f"{self.id}.{self.session_version or 0}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
