"""Read-only links to one Campaign's or one Creator's page, for people without an account.

Only the token's SHA-256 digest is kept; the link is shown once, when it is made.
"""
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow

CAMPAIGN, CREATOR = "campaign", "creator"


class ShareLink(db.Model):
    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(10))  # CAMPAIGN or CREATOR
    # The Campaign's or Creator's id (no foreign key: either table; deleting one revokes).
    object_id: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    show_names: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at = mapped_column(UTCDateTime)

    creator = relationship("User", foreign_keys=[created_by])
