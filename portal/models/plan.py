"""Min plan (activities and agreements, with their full history) and the answers to preparation-form Q2 and Q10."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.statuses import JobcentreDecision, PlanStatus, codes

# What kind of thing a plan item is (Danish labels in portal/services/minside/plan.py KIND_LABELS).
# The last three are activation and education the job centre approves by default (issue 16, seed section 6:
# "Godkender aktivering i MinPlan"): company internship (virksomhedspraktik), wage subsidy (løntilskud), education
# beyond the 6 weeks' job-oriented education. Which kinds need approval is configuration (JOBCENTRE_APPROVAL_KINDS).
PLAN_KINDS = ("job_search", "education", "upskilling", "activation", "meeting", "agreement", "other",
              "company_internship", "wage_subsidy", "education_long")
# proposed: a member's proposal awaiting the caseworker; awaiting_jc: agreed with the caseworker, awaiting the job
# centre's approval; active: agreed; done; rejected (a proposal said no to, by the caseworker or the job centre);
# cancelled (agreed, then dropped; also a request the job centre had not answered yet: withdrawn).
PLAN_STATUSES = codes(PlanStatus)
PROPOSERS = ("member", "caseworker", "system")
PLAN_EVENT_KINDS = ("proposed", "accepted", "rejected", "status", "comment", "edited", "jc_request", "jc_approved",
                    "jc_rejected")
JOBCENTRE_DECISIONS = codes(JobcentreDecision.APPROVED, JobcentreDecision.REJECTED)

# Preparation form (Jobnet), DOMAIN.md "Profiling": Q2 and Q10. Danish labels in portal/services/minside/preparation.py.
Q2_ANSWERS = ("has_job", "within_3_months", "within_6_months", "more_than_6_months", "leave_or_retirement",
              "dont_know")
Q10_BARRIERS = ("physical_health", "mental_health", "personal_social", "economic", "substance_abuse",
                "reading_spelling", "it_skills", "language", "other")
ANSWERED_BY = ("member", "caseworker")


class PlanItem(db.Model):
    """One activity or agreement in a member's Min plan. Never deleted; every change is a PlanItemEvent."""

    __tablename__ = "plan_item"
    __table_args__ = (
        CheckConstraint(f"kind IN {PLAN_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="status_known"),
        CheckConstraint(f"proposed_by IN {PROPOSERS!r}", name="proposer_known"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint(f"jobcentre_decision IS NULL OR jobcentre_decision IN {JOBCENTRE_DECISIONS!r}",
                        name="jobcentre_decision_known"),
        Index("ix_plan_item_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    # Ret- og pligttilbud: attendance required (DOMAIN.md "Offers"); only a caseworker sets it.
    right_and_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    proposed_by: Mapped[str] = mapped_column(String(12))
    proposed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The job centre's answer to an item that needs its approval (portal/services/jobcentre/jobcentre.py).
    jobcentre_decision: Mapped[str | None] = mapped_column(String(10))
    jobcentre_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every change (optimistic concurrency)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")
    proposed_by_user = relationship("User", foreign_keys=[proposed_by_user_id])
    decided_by_user = relationship("User", foreign_keys=[decided_by_user_id])
    events = relationship("PlanItemEvent", back_populates="item", order_by="PlanItemEvent.id",
                          cascade="all, delete-orphan")


class PlanItemEvent(db.Model):
    """History of a plan item: proposal, decision, status changes, edits and comments (append-only)."""

    __tablename__ = "plan_item_event"
    __table_args__ = (
        CheckConstraint(f"kind IN {PLAN_EVENT_KINDS!r}", name="kind_known"),
        Index("ix_plan_item_event_item_at", "item_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    text: Mapped[str | None] = mapped_column(Text)  # the comment, or the reason for a rejection
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # for edits: field → [old, new]

    item = relationship("PlanItem", back_populates="events")
    actor = relationship("User")


class PreparationAnswer(db.Model):
    """Answers to preparation-form Q2 and Q10. Q10 is special-category data (GDPR art. 9): a new row per answer,
    with who answered and when; the latest row is the current answer."""

    __tablename__ = "preparation_answer"
    __table_args__ = (
        CheckConstraint(f"q2 IN {Q2_ANSWERS!r}", name="q2_known"),
        CheckConstraint(f"answered_by IN {ANSWERED_BY!r}", name="answered_by_known"),
        Index("ix_preparation_answer_member_at", "member_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    q2: Mapped[str] = mapped_column(String(24))
    q10_has_barriers: Mapped[bool] = mapped_column(Boolean)
    q10_barriers: Mapped[list] = mapped_column(JSON, default=list)  # keys from Q10_BARRIERS
    answered_by: Mapped[str] = mapped_column(String(12))  # the member themself, or a caseworker at the CV conversation
    answered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")
    answered_by_user = relationship("User")
