"""The caseworker workspace: held conversations, summaries (samtalereferater), referrals to the job centre
(visitation), FOA JobMatch job orders, member referrals to them and placements, and the caseload's
stored next statutory step.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
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
from portal.models.booking import CONVERSATION_TYPES
from portal.models.members import CHANNELS, TARGET_GROUPS
from portal.models.statuses import (
    BookingStatus,
    JobOrderStatus,
    ReferralStatus,
    SummaryStatus,
    VisitationStatus,
    codes,
)

# A held conversation's outcome is the status it gives its booking (portal/services/casework/conversation_record.py).
CONVERSATION_OUTCOMES = codes(BookingStatus.HELD, BookingStatus.NO_SHOW)
SUMMARY_STATUSES = codes(SummaryStatus)
DISPATCH_RECIPIENTS = ("member", "jobcenter")
VISITATION_STATUSES = codes(VisitationStatus)
JOB_ORDER_STATUSES = codes(JobOrderStatus)
EMPLOYMENT_TYPES = ("permanent", "temporary")
JOB_REFERRAL_STATUSES = codes(ReferralStatus)


class HeldConversation(db.Model):
    """A registered conversation: what was said and agreed, and the group decided (DOMAIN.md, profiling)."""

    __tablename__ = "held_conversation"
    __table_args__ = (
        CheckConstraint(f"type IN {CONVERSATION_TYPES!r}", name="type_known"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel_known"),
        CheckConstraint(f"outcome IN {CONVERSATION_OUTCOMES!r}", name="outcome_known"),
        CheckConstraint(f"group_decision IS NULL OR group_decision IN {TARGET_GROUPS!r}", name="group_known"),
        Index("ix_held_conversation_member_held", "member_id", "held_at"),
        Index("ix_held_conversation_caseworker_held", "caseworker_id", "held_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(10))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)  # internal: never shown to the member or the job centre
    member_summary: Mapped[str | None] = mapped_column(Text)  # the summary's own words, for the member
    qualitative_assessment: Mapped[str | None] = mapped_column(Text)
    group_decision: Mapped[str | None] = mapped_column(String(2))
    group_comment: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")
    caseworker = relationship("Caseworker")
    agreements = relationship("ConversationAgreement", back_populates="conversation",
                              order_by="ConversationAgreement.position", cascade="all, delete-orphan")
    summary = relationship("ConversationSummary", back_populates="conversation", uselist=False)


class ConversationAgreement(db.Model):
    """One agreement made in a conversation; it becomes a Min plan item (plan_item_id)."""

    __tablename__ = "conversation_agreement"
    __table_args__ = (UniqueConstraint("conversation_id", "position", name="uq_conversation_agreement_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("held_conversation.id", ondelete="CASCADE"),
                                                 index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    due_date: Mapped[date | None] = mapped_column(Date)
    right_and_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    # The Min plan item it became (portal.services.minside.plan.propose_item).
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id"))

    conversation = relationship("HeldConversation", back_populates="agreements")


class ConversationSummary(db.Model):
    """The samtalereferat: frozen content (JSON) so what the member and the job centre got never changes."""

    __tablename__ = "conversation_summary"
    __table_args__ = (
        CheckConstraint(f"status IN {SUMMARY_STATUSES!r}", name="status_known"),
        Index("ix_conversation_summary_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("held_conversation.id"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    status: Mapped[str] = mapped_column(String(10), default=SummaryStatus.DRAFT)
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conversation = relationship("HeldConversation", back_populates="summary")
    member = relationship("Member")
    dispatches = relationship("SummaryDispatch", back_populates="summary", order_by="SummaryDispatch.id")


class SummaryDispatch(db.Model):
    """Where a summary went: to the member's Min side, and to the job centre (an outbox row)."""

    __tablename__ = "summary_dispatch"
    __table_args__ = (
        CheckConstraint(f"recipient IN {DISPATCH_RECIPIENTS!r}", name="recipient_known"),
        UniqueConstraint("summary_id", "recipient", name="uq_summary_dispatch_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("conversation_summary.id"))
    recipient: Mapped[str] = mapped_column(String(10))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    summary = relationship("ConversationSummary", back_populates="dispatches")
    outbox_message = relationship("OutboxMessage")


class JobcenterReferral(db.Model):
    """Visitation: a member with complex problems referred to a parallel contact course at the job centre."""

    __tablename__ = "jobcenter_referral"
    __table_args__ = (
        CheckConstraint(f"status IN {VISITATION_STATUSES!r}", name="status_known"),
        Index("ix_jobcenter_referral_member_date", "member_id", "referred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    reason: Mapped[str] = mapped_column(Text)
    referred_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=VisitationStatus.SENT)
    status_note: Mapped[str | None] = mapped_column(Text)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")
    created_by = relationship("User")


class JobOrder(db.Model):
    """A job order (jobordre) in FOA JobMatch, from an employer via a union department."""

    __tablename__ = "job_order"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_ORDER_STATUSES!r}", name="status_known"),
        CheckConstraint(f"employment IN {EMPLOYMENT_TYPES!r}", name="employment_known"),
        CheckConstraint("hours_per_week IS NULL OR (hours_per_week > 0 AND hours_per_week <= 48)",
                        name="hours_sane"),
        Index("ix_job_order_status_deadline", "status", "deadline"),
        Index("ix_job_order_location_status", "location_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(160))
    trade: Mapped[str] = mapped_column(String(80))
    disco_code: Mapped[str | None] = mapped_column(String(8))
    location_id: Mapped[int] = mapped_column(ForeignKey("service_location.id"))
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    employment: Mapped[str] = mapped_column(String(10))
    deadline: Mapped[date] = mapped_column(Date)
    contact_name: Mapped[str] = mapped_column(String(160))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=JobOrderStatus.OPEN)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    location = relationship("ServiceLocation")


class JobReferral(db.Model):
    """A member referred (henvist) to a job order."""

    __tablename__ = "job_referral"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_REFERRAL_STATUSES!r}", name="status_known"),
        UniqueConstraint("job_order_id", "member_id", name="uq_job_referral_order_member"),
        Index("ix_job_referral_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_order_id: Mapped[int] = mapped_column(ForeignKey("job_order.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    status: Mapped[str] = mapped_column(String(10), default=ReferralStatus.REFERRED)
    note: Mapped[str | None] = mapped_column(Text)
    referred_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    job_order = relationship("JobOrder")
    member = relationship("Member")
    placement = relationship("Placement", back_populates="referral", uselist=False)


class Placement(db.Model):
    """A member hired through FOA JobMatch: feeds the KPI "placed via JobMatch per year / share permanent"."""

    __tablename__ = "placement"
    __table_args__ = (Index("ix_placement_start_date", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_referral_id: Mapped[int] = mapped_column(ForeignKey("job_referral.id"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    job_order_id: Mapped[int] = mapped_column(ForeignKey("job_order.id"))
    permanent: Mapped[bool] = mapped_column(Boolean)
    start_date: Mapped[date] = mapped_column(Date)
    registered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    referral = relationship("JobReferral", back_populates="placement")
    member = relationship("Member")
    job_order = relationship("JobOrder")


class MemberNextStep(db.Model):
    """The caseload's stored next statutory step per member, computed by portal.services.booking.contact_course.

    A cache, never the rule: portal.services.casework.caseload refreshes rows (on every casework change, for the rows
    a page shows, and in bulk from `flask demo`/the scheduler); `stale` is set when a booking or the member's
    course-relevant fields change.
    """

    __tablename__ = "member_next_step"
    __table_args__ = (
        Index("ix_member_next_step_sort_due", "sort_due"),
        # A caseworker's own list (Mine medlemmer) by due date, counted and paged from this index alone.
        Index("ix_member_next_step_caseworker_due", "caseworker_id", "sort_due", "member_id", "stale"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    # A copy of the member's caseworker_id (kept with it by portal.services.casework.caseload), so the caseworker's
    # own list is read without joining the stored step of each of their members (about 1,300 at 250,000 members).
    caseworker_id: Mapped[int | None] = mapped_column(Integer)
    step_code: Mapped[str | None] = mapped_column(String(40))
    step_label: Mapped[str | None] = mapped_column(String(120))
    due_date: Mapped[date | None] = mapped_column(Date)
    # due_date, or 9999-12-31 when there is no open step: one indexed, never-null key for "overdue" and sorting.
    sort_due: Mapped[date] = mapped_column(Date)
    computed_on: Mapped[date] = mapped_column(Date)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
