"""Login accounts with a role. Members and caseworkers hang off a user."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime

ROLES = ("member", "caseworker", "steering", "admin", "jobcenter")  # jobcenter: job-centre staff (issue 16)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    display_name: Mapped[str] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="da")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped at login, logout and password change; part of the session id so old sessions die (rotation).
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member", back_populates="user", uselist=False)
    caseworker = relationship("Caseworker", back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: id plus generation, so a rotated session invalidates old cookies
        return f"{self.id}:{self.session_generation}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class SignInLink(db.Model):
    """A single-use, expiring sign-in link for a member without a password (portal.auth.signin_link).

    Only the SHA-256 of the link's secret is stored; `used_at` is set in the transaction that signs the member in.
    """

    __tablename__ = "signin_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms: where it was sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FormSubmission(db.Model):
    """A form sent once: the key a create form carries (portal.services.form_once), stored in the transaction that
    saved what the form made, with where that can be seen. A second send of the same page (the back button, a
    reload, a double click) finds its key here and is shown the first result instead of making a second."""

    __tablename__ = "form_submission"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    result_url: Mapped[str | None] = mapped_column(String(300))
