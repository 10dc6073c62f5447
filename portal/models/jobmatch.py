"""The member's own CV in FOA JobMatch and the job agent's memory of which job orders it has sent (issue 17)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime

HOURS_WANTED = ("full", "part", "any")
# Certificates a job order in FOA's trades asks for; SOSU authorisation (autorisation) is the one employers check.
CERTIFICATES = ("sosu_assistant_autorisation", "sosu_hjaelper", "paedagogisk_assistent", "foerstehjaelp",
                "medicingivning", "forflytning", "hygiejne")


class JobmatchCv(db.Model):
    """One CV per member: what they want, what they can, where; mark O follows the member's status."""

    __tablename__ = "jobmatch_cv"
    __table_args__ = (
        CheckConstraint(f"hours_wanted IN {HOURS_WANTED!r}", name="hours_known"),
        CheckConstraint("hours_per_week IS NULL OR (hours_per_week > 0 AND hours_per_week <= 48)",
                        name="hours_sane"),
        CheckConstraint("radius_km IS NULL OR (radius_km > 0 AND radius_km <= 200)", name="radius_sane"),
        Index("ix_jobmatch_cv_agent", "job_agent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), unique=True)
    job_goals: Mapped[str] = mapped_column(Text)
    # [{"title": ..., "employer": ..., "years": ...}], newest first
    experience: Mapped[list] = mapped_column(JSON, default=list)
    education: Mapped[str | None] = mapped_column(Text)
    certificates: Mapped[list] = mapped_column(JSON, default=list)
    driving_licence: Mapped[bool] = mapped_column(Boolean, default=False)
    hours_wanted: Mapped[str] = mapped_column(String(4), default="any")
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    # Area: chosen municipalities (codes), and/or a radius around the home municipality.
    municipalities: Mapped[list] = mapped_column(JSON, default=list)
    radius_km: Mapped[int | None] = mapped_column(Integer)
    visible_to_employers: Mapped[bool] = mapped_column(Boolean, default=False)
    job_agent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Orders created after this moment are news for the job agent (set when it is switched on, moved by each run).
    job_agent_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")


class JobAgentHit(db.Model):
    """A job order the job agent has told a member about: never the same order twice."""

    __tablename__ = "job_agent_hit"
    __table_args__ = (UniqueConstraint("member_id", "job_order_id", name="uq_job_agent_hit_member_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    job_order_id: Mapped[int] = mapped_column(ForeignKey("job_order.id"), index=True)
    outbox_key: Mapped[str] = mapped_column(String(120))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
