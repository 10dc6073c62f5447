"""The audit log: who did or saw what, about which member, and why."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_member_at", "member_id", "at"),
        Index("ix_audit_entry_actor_at", "actor_user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(80))  # "user:12", "scheduler", "chatbot", "cli"
    action: Mapped[str] = mapped_column(String(80), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(40))

    actor = relationship("User")

    # Not stored: whether the entry records only a look at data (portal.services.audit.READ_ACTIONS), so it may be
    # committed on its own (portal.db_connections.mark_reads_alone).
    stands_alone = False
