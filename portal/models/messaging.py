"""Outgoing e-mail/SMS (the outbox) and in-app notifications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.statuses import OutboxStatus, codes

OUTBOX_STATUSES = codes(OutboxStatus)
OUTBOX_CHANNELS = ("email", "sms", "jobcenter")


class OutboxMessage(db.Model):
    """One logical message, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"status IN {OUTBOX_STATUSES!r}", name="status_known"),
        CheckConstraint(f"channel IN {OUTBOX_CHANNELS!r}", name="channel_known"),
        Index("ix_outbox_message_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A message about an event (a reminder) that is pointless once the event has begun: the dispatcher does not
    # send it from this moment on (it is stopped, with the reason). None: send whenever it can be sent.
    send_before: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments = relationship("OutboxAttachment", cascade="all, delete-orphan", lazy="selectin")


class OutboxAttachment(db.Model):
    __tablename__ = "outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Notification(db.Model):
    """A line on a user's Min side / staff pages ("Din samtale er flyttet", "Ny overdragelse")."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(String(500))
    # the language `text` was written in ("da", "en"), for marking it on a page in another one; None: not known
    # (written before the column was)
    language: Mapped[str | None] = mapped_column(String(5))
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
