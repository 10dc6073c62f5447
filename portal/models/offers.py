"""Offers with seats (tilbud): webinars, theme meetings, FVU, IT café, job club, job dating.

An offer (Offer) has sessions (OfferSession) with a time, a place or an online link and a capacity; members hold
registrations (OfferRegistration) that move through the statuses below. `seats_taken` on the session is kept by
portal/services/offers/offers.py and checked by the database: registrations plus held seats never exceed the capacity.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.statuses import RegistrationStatus, SessionStatus, codes

# DOMAIN.md "Offers" and the booking issue.
OFFER_KINDS = (
    "webinar",  # online, the 4 topics below
    "theme_meeting",  # temamøde in a department
    "fvu_test",  # FVU test (reading, writing, maths) at AOF
    "fvu_course",  # FVU course of up to 60 hours at AOF in the 36 largest cities
    "it_cafe",
    "job_club",  # jobklub
    "job_dating",
)
WEBINAR_TOPICS = ("find_job", "apply_job", "interview", "stay_or_change")
THEME_TOPICS = ("job_search", "job_matching", "it_tools", "education")
FVU_SUBJECTS = ("reading", "maths", "digital")
FVU_MAX_HOURS = 60
# Who an offer is open to: the target groups plus dismissed (opsagt) and sick-listed members (DOMAIN.md).
AUDIENCES = ("1", "2a", "2b", "opsagt", "sygemeldt")
SESSION_STATUSES = codes(SessionStatus)
REGISTRATION_STATUSES = codes(RegistrationStatus)  # what each means: portal/models/statuses.py
_R = RegistrationStatus
# Statuses that occupy a seat (count towards seats_taken).
SEAT_STATUSES = codes(_R.OFFERED, _R.REGISTERED, _R.ATTENDED, _R.NO_SHOW)
# Statuses of a live registration: a member holds at most one per session.
ACTIVE_STATUSES = codes(_R.WAITLISTED, _R.OFFERED, _R.REGISTERED, _R.ATTENDED, _R.NO_SHOW)
# Statuses of a current registration: the member is on the list, offered a seat or registered (the session is
# ahead of them; registration_state.describe names each for pages, API and e-mails).
CURRENT_STATUSES = codes(_R.WAITLISTED, _R.OFFERED, _R.REGISTERED)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Offer(db.Model):
    __tablename__ = "offer"
    __table_args__ = (
        CheckConstraint(f"kind IN {_in(OFFER_KINDS)}", name="kind_known"),
        CheckConstraint(f"topic IS NULL OR topic IN {_in(WEBINAR_TOPICS + THEME_TOPICS)}", name="topic_known"),
        CheckConstraint(f"fvu_subject IS NULL OR fvu_subject IN {_in(FVU_SUBJECTS)}", name="fvu_subject_known"),
        CheckConstraint(f"course_hours IS NULL OR (course_hours > 0 AND course_hours <= {FVU_MAX_HOURS})",
                        name="course_hours_range"),
        CheckConstraint("hold_hours >= 1 AND hold_hours <= 168", name="hold_hours_range"),
        CheckConstraint("open_group_1 OR open_group_2a OR open_group_2b OR open_opsagt OR open_sygemeldt",
                        name="open_to_someone"),
        Index("ix_offer_active_kind", "active", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str | None] = mapped_column(String(20))
    fvu_subject: Mapped[str | None] = mapped_column(String(10))
    sosu_variant: Mapped[bool] = mapped_column(Boolean, default=False)  # FVU for SOSU-trained members
    provider: Mapped[str] = mapped_column(String(80), default="FOA A-kasse")  # e.g. "AOF"
    course_hours: Mapped[int | None] = mapped_column(Integer)  # FVU courses: planned hours, at most 60
    # FVU courses are for members whose FVU test shows the need; the caseworker can assign them anyway.
    requires_fvu_test: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_hours: Mapped[int] = mapped_column(Integer, default=24)  # how long a freed seat is held for the next
    open_group_1: Mapped[bool] = mapped_column(Boolean, default=True)
    open_group_2a: Mapped[bool] = mapped_column(Boolean, default=True)
    open_group_2b: Mapped[bool] = mapped_column(Boolean, default=True)
    open_opsagt: Mapped[bool] = mapped_column(Boolean, default=False)
    open_sygemeldt: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # shown in the catalogue
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    sessions = relationship("OfferSession", back_populates="offer", order_by="OfferSession.starts_at")

    @property
    def audiences(self) -> tuple[str, ...]:
        return tuple(a for a in AUDIENCES if getattr(self, audience_column(a)))


def audience_column(audience: str) -> str:
    return {"1": "open_group_1", "2a": "open_group_2a", "2b": "open_group_2b",
            "opsagt": "open_opsagt", "sygemeldt": "open_sygemeldt"}[audience]


class OfferSession(db.Model):
    """One dated run of an offer (hold): a webinar, a meeting, a whole FVU course."""

    __tablename__ = "offer_session"
    __table_args__ = (
        CheckConstraint(f"status IN {_in(SESSION_STATUSES)}", name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity > 0 AND capacity <= 1000", name="capacity_range"),
        # The invariant: registrations plus held seats never exceed the capacity.
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        CheckConstraint("location_id IS NOT NULL OR online_link IS NOT NULL", name="has_place"),
        Index("ix_offer_session_offer_starts", "offer_id", "starts_at"),
        # An offer's next open session (Min side, the catalogue): one seek instead of a walk of its coming sessions.
        Index("ix_offer_session_offer_status_starts", "offer_id", "status", "starts_at"),
        Index("ix_offer_session_starts", "starts_at"),
        Index("ix_offer_session_location_starts", "location_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("service_location.id"))
    venue: Mapped[str | None] = mapped_column(String(200))  # address / room, e.g. "AOF Odense, Vindegade 74"
    online_link: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.OPEN)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE, bumped on every change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    offer = relationship("Offer", back_populates="sessions")
    location = relationship("ServiceLocation")
    registrations = relationship("OfferRegistration", back_populates="offer_session",
                                 order_by="OfferRegistration.id")

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def online(self) -> bool:
        return self.location_id is None


class OfferRegistration(db.Model):
    __tablename__ = "offer_registration"
    __table_args__ = (
        CheckConstraint(f"status IN {_in(REGISTRATION_STATUSES)}", name="status_known"),
        CheckConstraint(f"status != '{_R.OFFERED}' OR held_until IS NOT NULL", name="offered_has_hold"),
        CheckConstraint(f"status != '{_R.WAITLISTED}' OR waitlisted_at IS NOT NULL", name="waitlisted_has_time"),
        CheckConstraint(f"attended_hours IS NULL OR (attended_hours >= 0 AND attended_hours <= {FVU_MAX_HOURS})",
                        name="hours_range"),
        # A member holds at most one live registration per session (duplicates refused by the database too).
        Index("ix_offer_registration_session_member_live", "session_id", "member_id", unique=True,
              sqlite_where=text(f"status IN {_in(ACTIVE_STATUSES)}"),
              postgresql_where=text(f"status IN {_in(ACTIVE_STATUSES)}")),
        Index("ix_offer_registration_session_status", "session_id", "status", "waitlisted_at"),
        Index("ix_offer_registration_member_status", "member_id", "status"),
        Index("ix_offer_registration_status_held_until", "status", "held_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("offer_session.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    status: Mapped[str] = mapped_column(String(12))
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_round: Mapped[int] = mapped_column(Integer, default=0)  # bumped per held seat; makes accept links single-use
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Ret- og pligttilbud: assigned by a caseworker; cancelling needs a reason, non-attendance is flagged.
    right_and_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    attended_hours: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))  # FVU course completion
    completion_note: Mapped[str | None] = mapped_column(Text)  # FVU: the member's situation and plans after
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    offer_session = relationship("OfferSession", back_populates="registrations")
    member = relationship("Member")
    assigned_by = relationship("User", foreign_keys=[assigned_by_user_id])

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES

    @property
    def live(self) -> bool:
        return self.status in ACTIVE_STATUSES


Registration = OfferRegistration  # the name the other areas use
