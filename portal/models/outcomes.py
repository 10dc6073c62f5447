"""Outcome data for the steering dashboard: benefit periods and job starts per member (issue 9).

The fund's systems export them (`flask kpi import-outcomes`); the demo seed generates consistent histories.
A *return to benefit* is a benefit period that starts after an earlier period of the same member ended; it is
derived, never stored. "In a job" (DOMAIN.md "Success criteria") is a job start covering the day: ordinary work
(`employment`), or on benefit with a permanent attachment, a release certificate or odd hours.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.members import PLACEMENTS, TARGET_GROUPS

END_REASONS = ("job", "other")  # why a benefit period ended: a job, or anything else (education, leave, moved …)
JOB_KINDS = (
    "employment",  # ordinary work (ends or follows a benefit period)
    "permanent_attachment",  # on benefit with a permanent attachment (fast tilknytning), e.g. part-time
    "release_certificate",  # on benefit with a release certificate (frigørelsesattest)
    "odd_hours",  # on benefit with odd hours (skæve timer)
)
SOURCES = ("import", "demo")


class BenefitPeriod(db.Model):
    """One continuous period on benefit (ydelsesperiode). `start_date` is its first day of unemployment."""

    __tablename__ = "benefit_period"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        CheckConstraint(f"end_reason IS NULL OR end_reason IN {END_REASONS!r}", name="end_reason_known"),
        CheckConstraint("(end_date IS NULL) = (end_reason IS NULL)", name="end_has_reason"),
        CheckConstraint(f"placement IN {PLACEMENTS!r}", name="placement_known"),
        CheckConstraint(f"target_group IS NULL OR target_group IN {TARGET_GROUPS!r}", name="group_known"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        UniqueConstraint("member_id", "start_date", name="uq_benefit_period_member_start"),
        Index("ix_benefit_period_start_date", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # None: still on benefit
    end_reason: Mapped[str | None] = mapped_column(String(10))
    # nyindplaceret / genindplaceret at the start of this period (the fund's registration).
    placement: Mapped[str] = mapped_column(String(10))
    # The target group set in this period, if the export knows it; otherwise the member's current group is used.
    target_group: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(10))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")


class JobStart(db.Model):
    """A job (or an in-job state while on benefit) from `start_date` to `end_date` (None: still in it)."""

    __tablename__ = "job_start"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        CheckConstraint(f"kind IN {JOB_KINDS!r}", name="kind_known"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        UniqueConstraint("member_id", "start_date", "kind", name="uq_job_start_member_start_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    permanent: Mapped[bool] = mapped_column(Boolean)  # fastansættelse (permanent) or temporary
    kind: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(10))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")
