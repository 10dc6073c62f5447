"""The job centre in the loop (issue 16): job-centre staff and what the a-kasse sends each job centre.

A job centre is identified by the code of the municipality whose job centre it is (portal/data/municipalities.csv);
a member's job centre is the one serving their home municipality (Member.municipality_code).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.statuses import DfdgOutboundStatus, JobcentreDecision, JobcentreMessageStatus, codes

# What the a-kasse sends a job centre (seed section 6: approval of activation in Min plan, information, the joint
# conversation; DOMAIN.md: visitation of complex cases).
MESSAGE_KINDS = ("plan_approval", "summary", "visitation", "joint_invitation")
# sent: delivered to the job centre; read: opened there; answered: decided; withdrawn: the a-kasse took it back.
MESSAGE_STATUSES = codes(JobcentreMessageStatus)
# approved/rejected: a plan item; accepted/counter: a joint-conversation time (counter = proposed another time).
DECISIONS = codes(JobcentreDecision)
ADAPTERS = ("embedded", "dfdg")


class JobcentreStaff(db.Model):
    """A user of the role 'jobcenter', bound to one job centre."""

    __tablename__ = "jobcentre_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    jobcentre_code: Mapped[int] = mapped_column(Integer, index=True)

    user = relationship("User")


class JobcentreMessage(db.Model):
    """One thing sent to a member's job centre through the exchange, with its delivery state and the answer."""

    __tablename__ = "jobcentre_message"
    __table_args__ = (
        CheckConstraint(f"kind IN {MESSAGE_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {MESSAGE_STATUSES!r}", name="status_known"),
        CheckConstraint(f"decision IS NULL OR decision IN {DECISIONS!r}", name="decision_known"),
        CheckConstraint(f"adapter IN {ADAPTERS!r}", name="adapter_known"),
        Index("ix_jobcentre_message_centre_status", "jobcentre_code", "status"),
        Index("ix_jobcentre_message_member_kind", "member_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    jobcentre_code: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(20))
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id"), index=True)
    summary_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_summary.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("jobcenter_referral.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=JobcentreMessageStatus.SENT)
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    counter_time: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the job centre's proposed time
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # no answer for a week: caseworker told
    adapter: Mapped[str] = mapped_column(String(10), default="embedded")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")
    plan_item = relationship("PlanItem")
    booking = relationship("Booking")
    decided_by = relationship("User", foreign_keys=[decided_by_user_id])


OUTBOUND_STATUSES = codes(DfdgOutboundStatus)


class DfdgOutbound(db.Model):
    """The outbound queue of the DFDG adapter (portal/services/jobcentre/dfdg.py): one envelope per job-centre message,
    retried with backoff until DFDG's exchange accepts it (docs/jobcentre.md)."""

    __tablename__ = "dfdg_outbound"
    __table_args__ = (
        CheckConstraint(f"status IN {OUTBOUND_STATUSES!r}", name="status_known"),
        Index("ix_dfdg_outbound_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("jobcentre_message.id"), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=DfdgOutboundStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    message = relationship("JobcentreMessage")
