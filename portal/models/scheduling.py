"""Scheduler and outbox area: the scheduler lease, the job-run log, satisfaction surveys, the purge log.

The outbox rows themselves are `portal.models.messaging.OutboxMessage` (foundation); the dispatch loop uses its
`status='sending'` + `next_attempt_at` as the sending lease and `attempts` as the fencing token (see
portal/services/messaging/dispatch.py), so it needs no extra columns.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.booking import Booking
from portal.models.statuses import JobRunStatus, codes

JOB_RUN_STATUSES = codes(JobRunStatus)


class SchedulerLease(db.Model):
    """Who may act as the scheduler until `expires_at`. One row per lease name ("scheduler").

    A process acts only while it holds an unexpired lease; it renews it every few seconds. A second process
    waits until the lease is released or expires (the first crashed), then takes over.
    """

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))  # "host:pid:random"
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobRun(db.Model):
    """One run of one job: when, by which process, what it did (counts only), or why it failed."""

    __tablename__ = "job_run"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_RUN_STATUSES!r}", name="status_known"),
        Index("ix_job_run_job_started", "job_id", "started_at"),
        Index("ix_job_run_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(60))
    holder: Mapped[str] = mapped_column(String(120))
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")  # schedule / manual
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=JobRunStatus.RUNNING)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class SentNotice(db.Model):
    """Ledger of notices that are not only e-mails (in-app alerts to caseworkers), so a job never repeats one."""

    __tablename__ = "sent_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SatisfactionSurvey(db.Model):
    """The invitation to rate one held conversation; the link carries a signed token naming this row."""

    __tablename__ = "satisfaction_survey"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(32))  # in the token too: a leaked old token cannot be re-minted
    asks_closer_to_job: Mapped[bool] = mapped_column(Boolean, default=False)  # group 2 gets the third question
    language: Mapped[str] = mapped_column(String(2), default="da")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking = relationship("Booking")
    member = relationship("Member")


class SurveyAnswer(db.Model):
    """One answer per conversation (unique booking_id), with the member's situation when answering for the KPI split.

    Ratings are 1–10; the steering dashboard reports them on 0–100 (1 → 0, 10 → 100), DOMAIN.md "Success criteria".
    """

    __tablename__ = "survey_answer"
    __table_args__ = (
        CheckConstraint("overall BETWEEN 1 AND 10", name="overall_range"),
        CheckConstraint("knew_trade BETWEEN 1 AND 10", name="knew_trade_range"),
        CheckConstraint("closer_to_job IS NULL OR closer_to_job BETWEEN 1 AND 10", name="closer_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("satisfaction_survey.id", ondelete="CASCADE"), unique=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"), index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    conversation_type: Mapped[str] = mapped_column(String(20))
    # Snapshot for the split by group 1 / 2 / dismissed and new / returning (the member may move on later).
    target_group: Mapped[str | None] = mapped_column(String(2))
    member_status: Mapped[str] = mapped_column(String(12))
    placement: Mapped[str] = mapped_column(String(10))
    overall: Mapped[int] = mapped_column(Integer)  # "Hvor tilfreds er du alt i alt med samtalen?"
    knew_trade: Mapped[int] = mapped_column(Integer)  # "Sagsbehandleren kendte mit fag og arbejdsmarked"
    closer_to_job: Mapped[int | None] = mapped_column(Integer)  # group 2: "Jeg er kommet tættere på mit næste job"


class PurgeLog(db.Model):
    """What the retention job removed: a category and a count, never contents."""

    __tablename__ = "purge_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    category: Mapped[str] = mapped_column(String(60))
    count: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. {"older_than": "2026-10-28"}


# The reminder and survey jobs select bookings by start time across all caseworkers and locations.
Index("ix_booking_starts_status", Booking.starts_at, Booking.status)

# APScheduler's SQLAlchemyJobStore table, declared here (same columns as apscheduler 3.x creates) so the migration
# chain owns it and `flask db check` sees it as part of the schema.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
