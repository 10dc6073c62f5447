"""Conversations booked with caseworkers (samtaler), and the caseworkers' availability.

Double booking is made impossible in the database, not only in Python (docs/booking.md):
- PostgreSQL: two exclusion constraints (btree_gist) on tsrange(starts_at, ends_at) per caseworker and per member,
  for active bookings only;
- SQLite: BEFORE INSERT/UPDATE triggers that abort on an overlapping active booking, and the booking service runs
  its check-and-write in a serialised (BEGIN IMMEDIATE) transaction.
Both are created by migration 0003 and, for tests built with create_all, by the DDL events below.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.members import CHANNELS
from portal.models.statuses import BookingStatus, codes

# DOMAIN.md "The statutory contact course" and the booking issue. Lengths and channels: portal/services/booking/conversation_types.py
CONVERSATION_TYPES = (
    "cv",  # CV-samtale
    "contact_course",  # kontaktforløbssamtale
    "availability",  # rådighedssamtale
    "joint",  # fællessamtale with the job centre
    "focus",  # fokussamtale (group 2)
    "followup_phone",  # opfølgning pr. telefon
    "followup_video",  # opfølgning pr. video
    "dismissed_first",  # a dismissed member's first conversation: how to move on (in person, phone or video)
    "round_table",  # rundbordssamtale with the job centre, for members moving from sickness benefit
)
BOOKING_STATUSES = codes(BookingStatus)
ACTIVE_BOOKING_STATUSES = codes(BookingStatus.BOOKED, BookingStatus.HELD)
EXCEPTION_KINDS = ("absence", "extra")  # fravær / ekstra tid


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
    status: Mapped[str] = mapped_column(String(20), default=BookingStatus.BOOKED)
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE, bumped on every change
    meeting_link: Mapped[str | None] = mapped_column(String(300))
    with_jobcenter: Mapped[bool] = mapped_column(default=False)
    booked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the member would like to talk about (optional, shown to the caseworker).
    member_note: Mapped[str | None] = mapped_column(String(500))
    # When held / no-show / cancelled by the fund was registered after the fact.
    outcome_registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member = relationship("Member")
    caseworker = relationship("Caseworker")
    location = relationship("ServiceLocation")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_BOOKING_STATUSES


class WorkingHours(db.Model):
    """A caseworker's weekly hours at one service location (local wall-clock time, Europe/Copenhagen)."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),  # 0 = Monday
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        Index("ix_working_hours_caseworker_weekday", "caseworker_id", "weekday"),
        Index("ix_working_hours_location_weekday", "location_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworker.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("service_location.id"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)

    caseworker = relationship("Caseworker")
    location = relationship("ServiceLocation")


class AvailabilityException(db.Model):
    """A dated change to the weekly hours: absence (whole day or part) or extra hours at a location."""

    __tablename__ = "availability_exception"
    __table_args__ = (
        CheckConstraint(f"kind IN {EXCEPTION_KINDS!r}", name="kind_known"),
        CheckConstraint("(start_time IS NULL) = (end_time IS NULL)", name="times_together"),
        CheckConstraint("start_time IS NULL OR end_time > start_time", name="ends_after_start"),
        CheckConstraint("kind != 'extra' OR (start_time IS NOT NULL AND location_id IS NOT NULL)",
                        name="extra_has_time_and_place"),
        Index("ix_availability_exception_caseworker_day", "caseworker_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworker.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    start_time: Mapped[time | None] = mapped_column(Time)  # NULL with end_time NULL: the whole day
    end_time: Mapped[time | None] = mapped_column(Time)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("service_location.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    caseworker = relationship("Caseworker")
    location = relationship("ServiceLocation")


# --- Database-level overlap guards (also emitted by migration 0003; keep the two in step) ---------------------
_ACTIVE = repr(ACTIVE_BOOKING_STATUSES)  # "('booked', 'held')"

PG_NO_OVERLAP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    ("ALTER TABLE booking ADD CONSTRAINT ex_booking_caseworker_overlap EXCLUDE USING gist "
    f"(caseworker_id WITH =, tsrange(starts_at, ends_at) WITH &&) WHERE (status IN {_ACTIVE})"),
    ("ALTER TABLE booking ADD CONSTRAINT ex_booking_member_overlap EXCLUDE USING gist "
    f"(member_id WITH =, tsrange(starts_at, ends_at) WITH &&) WHERE (status IN {_ACTIVE})"),
]


def _sqlite_trigger(name: str, when: str, column: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE {when} ON booking "  # nosec B608 - DDL from constants
        f"WHEN NEW.status IN {_ACTIVE} BEGIN "
        f"SELECT RAISE(ABORT, 'booking_overlap_{column.split('_')[0]}') WHERE EXISTS (SELECT 1 FROM booking b "
        f"WHERE b.{column} = NEW.{column} AND b.id IS NOT NEW.id AND b.status IN {_ACTIVE} "
        f"AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at); END"
    )


SQLITE_NO_OVERLAP = [
    _sqlite_trigger("tr_booking_caseworker_overlap_insert", "INSERT", "caseworker_id"),
    _sqlite_trigger("tr_booking_caseworker_overlap_update",
                    "UPDATE OF starts_at, ends_at, status, caseworker_id", "caseworker_id"),
    _sqlite_trigger("tr_booking_member_overlap_insert", "INSERT", "member_id"),
    _sqlite_trigger("tr_booking_member_overlap_update", "UPDATE OF starts_at, ends_at, status, member_id",
                    "member_id"),
]

for _statement in PG_NO_OVERLAP:
    event.listen(Booking.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_NO_OVERLAP:
    event.listen(Booking.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
