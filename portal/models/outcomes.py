"""The benefit history and outcome data: benefit periods, their weeks, and job starts per member (issues 5 and 9).

A benefit period is the one record of a period on benefit; `benefit_week` is its weekly detail (the share of each
week on benefit), which the profiling label is computed from. Both are written only through
portal.services.steering.benefit_history, which keeps the weeks inside their period. The fund's systems export periods and
job starts (`flask kpi import-outcomes`); the demo seed generates consistent histories.
A *return to benefit* is a benefit period that starts after an earlier period of the same member ended; it is
derived, never stored. "In a job" (DOMAIN.md "Success criteria") is a job start covering the day: ordinary work
(`employment`), or on benefit with a permanent attachment, a release certificate or odd hours.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
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
# "weeks": a period migration 0010 made from benefit weeks that had no period (before weeks hung off periods).
PERIOD_SOURCES = (*SOURCES, "weeks")


class BenefitPeriod(db.Model):
    """One continuous period on benefit (ydelsesperiode). `start_date` is its first day of unemployment."""

    __tablename__ = "benefit_period"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        CheckConstraint(f"end_reason IS NULL OR end_reason IN {END_REASONS!r}", name="end_reason_known"),
        CheckConstraint("(end_date IS NULL) = (end_reason IS NULL)", name="end_has_reason"),
        CheckConstraint(f"placement IN {PLACEMENTS!r}", name="placement_known"),
        CheckConstraint(f"target_group IS NULL OR target_group IN {TARGET_GROUPS!r}", name="group_known"),
        CheckConstraint(f"source IN {PERIOD_SOURCES!r}", name="source_known"),
        UniqueConstraint("member_id", "start_date", name="uq_benefit_period_member_start"),
        # The target of benefit_week's (period_id, member_id) foreign key: a week cannot hang off another member's period.
        UniqueConstraint("id", "member_id", name="uq_benefit_period_id_member"),
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
    weeks: Mapped[list[BenefitWeek]] = relationship(back_populates="period", cascade="all, delete-orphan",
                                                    order_by="BenefitWeek.week_no")


class BenefitWeek(db.Model):
    """Week `week_no` of a benefit period: the share of that week the member was on benefit (0–1).

    Week 1 starts on the period's start_date; a week never starts after the period's end_date (or, while the period
    runs, after yesterday). Weeks are optional detail: a day of a period without a recorded week counts as a day on
    benefit. `member_id` repeats the period's member (the foreign key makes it match) so the member's data export
    and per-member queries find the weeks. Label and survival curves: portal.profiling.labels.
    """

    __tablename__ = "benefit_week"
    __table_args__ = (
        CheckConstraint("benefit_fraction >= 0 AND benefit_fraction <= 1", name="fraction_in_range"),
        CheckConstraint("week_no >= 1", name="week_no_positive"),
        # Also the index on period_id (its leading column).
        UniqueConstraint("period_id", "week_no", name="uq_benefit_week_period_week"),
        ForeignKeyConstraint(["period_id", "member_id"], ["benefit_period.id", "benefit_period.member_id"],
                             ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    period_id: Mapped[int] = mapped_column(Integer)
    week_no: Mapped[int] = mapped_column(Integer)  # 1 = the week starting on the period's start_date
    benefit_fraction: Mapped[float] = mapped_column(Float)

    period: Mapped[BenefitPeriod] = relationship(back_populates="weeks")


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
