"""Consents (samtykke), recorded with time and purpose; withdrawal is a timestamp, never a delete."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime

# Purposes the fund asks consent for (DOMAIN.md "Dismissed members", "Data protection").
CONSENT_PURPOSES = (
    "union_to_akasse",  # the union department may tell the a-kasse of the dismissal
    "chat_contact",  # the chatbot may store the conversation and contact details to help the member
    "jobmatch_cv",  # CV in FOA JobMatch with mark O
)


class Consent(db.Model):
    __tablename__ = "consent"
    __table_args__ = (
        CheckConstraint("member_id IS NOT NULL OR subject_ref IS NOT NULL", name="has_subject"),
        CheckConstraint("withdrawn_at IS NULL OR withdrawn_at >= given_at", name="withdrawn_after_given"),
        Index("ix_consent_member_purpose", "member_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # For someone without a member record yet (e.g. a chat sender id).
    subject_ref: Mapped[str | None] = mapped_column(String(120), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    text_shown: Mapped[str] = mapped_column(Text)  # the wording the person agreed to
    source: Mapped[str] = mapped_column(String(30))  # chatbot / min_side / union_department / caseworker
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_effect: Mapped[str | None] = mapped_column(Text)

    member = relationship("Member")

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
