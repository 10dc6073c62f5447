"""Conversations booked with caseworkers (samtaler). The booking issue extends this module."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.members import CHANNELS

# DOMAIN.md "The statutory contact course" and the booking issue.
CONVERSATION_TYPES = (
    "cv",  # CV-samtale
    "contact_course",  # kontaktforløbssamtale
    "availability",  # rådighedssamtale
    "joint",  # fællessamtale with the job centre
    "focus",  # fokussamtale (group 2)
    "followup_phone",  # opfølgning pr. telefon
    "followup_video",  # opfølgning pr. video
)
BOOKING_STATUSES = ("booked", "held", "no_show", "cancelled_member", "cancelled_fund")
ACTIVE_BOOKING_STATUSES = ("booked", "held")


class Booking(db.Model):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint(f"type IN {CONVERSATION_TYPES!r}", name="type_known"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel_known"),
        CheckConstraint(f"status IN {BOOKING_STATUSES!r}", name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_booking_caseworker_starts", "caseworker_id", "starts_at"),
        Index("ix_booking_member_starts", "member_id", "starts_at"),
        Index("ix_booking_location_starts", "location_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True)  # stable iCalendar UID
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworker.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("service_location.id"))
    type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="booked")
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE, bumped on every change
    meeting_link: Mapped[str | None] = mapped_column(String(300))
    with_jobcenter: Mapped[bool] = mapped_column(default=False)
    booked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")
    caseworker = relationship("Caseworker")
    location = relationship("ServiceLocation")
