"""FVU course feedback (tilbagemelding): after each FVU course the a-kasse is told each member's situation.

DOMAIN.md "Offers", FVU: "After each course the a-kasse is told each member's situation and plans, to follow up"
(section 2.1.3 of the application). One `FvuFeedback` row per recording, for one course participation (an
`OfferRegistration` on an FVU course session): recorded by staff, or by the course provider (AOF) through a
signed, single-use link (`FvuFeedbackLink`, one per participation so the provider is asked once). Rows are never
changed: a correction is a new row, and the caseworker's screen shows the latest. portal/services/offers/fvu_feedback.py
writes both tables.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.offers import FVU_MAX_HOURS

FVU_OUTCOMES = (
    "completed",  # gennemført
    "dropped_out",  # stoppet undervejs
    "continuing",  # fortsætter (on a further course or level)
)
FEEDBACK_SOURCES = ("staff", "provider")


class FvuFeedbackLink(db.Model):
    """The provider's form link for one participation. Only the SHA-256 of the link's secret is stored."""

    __tablename__ = "fvu_feedback_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One link per participation: the scheduler job never asks twice (the database refuses a second).
    registration_id: Mapped[int] = mapped_column(ForeignKey("offer_registration.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration = relationship("OfferRegistration")


class FvuFeedback(db.Model):
    __tablename__ = "fvu_feedback"
    __table_args__ = (
        CheckConstraint("outcome IN ('completed', 'dropped_out', 'continuing')", name="outcome_known"),
        CheckConstraint(f"hours_attended >= 0 AND hours_attended <= {FVU_MAX_HOURS}", name="hours_range"),
        CheckConstraint("source IN ('staff', 'provider')", name="source_known"),
        CheckConstraint("(source = 'staff' AND recorded_by_user_id IS NOT NULL AND link_id IS NULL) OR "
                        "(source = 'provider' AND link_id IS NOT NULL AND recorded_by_user_id IS NULL)",
                        name="recorded_by_known"),
        # The caseworker's screen: a member's latest feedback; the check-in list: the latest per registration.
        Index("ix_fvu_feedback_member_recorded", "member_id", "recorded_at"),
        Index("ix_fvu_feedback_registration_recorded", "registration_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("offer_registration.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    outcome: Mapped[str] = mapped_column(String(12))
    hours_attended: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    situation: Mapped[str] = mapped_column(Text)  # the member's situation and next step, in the provider's words
    source: Mapped[str] = mapped_column(String(10))
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("fvu_feedback_link.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    registration = relationship("OfferRegistration")
    recorded_by = relationship("User")
