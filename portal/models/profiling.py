"""Profiling (profilafklaring): register facts, the model registry, scores and group decisions.

DOMAIN.md "Profiling" and issue 5. Age, gender and residence are not repeated here: they come from
Member.birth_date, Member.gender and Member.location. The benefit history the label is computed from (benefit
periods and their weeks) is in portal/models/outcomes.py.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
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
from portal.models.members import TARGET_GROUPS

MODEL_KINDS = ("A", "B", "AB")  # A: questions 2 + 10; B: register factors; AB: register factors + answers
EDUCATION_LEVELS = ("ingen", "erhvervsuddannelse", "videregaaende")
ORIGINS = ("dansk", "vestlig", "ikke_vestlig")


class MemberRegisterFacts(db.Model):
    """The register facts model B needs beyond the member record. NULL = not known (handled by the model)."""

    __tablename__ = "member_register_facts"
    __table_args__ = (
        CheckConstraint(f"education IS NULL OR education IN {EDUCATION_LEVELS!r}", name="education_known"),
        CheckConstraint(f"origin IS NULL OR origin IN {ORIGINS!r}", name="origin_known"),
        CheckConstraint("benefit_share_3y IS NULL OR (benefit_share_3y >= 0 AND benefit_share_3y <= 1)",
                        name="benefit_share_in_range"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    education: Mapped[str | None] = mapped_column(String(30))
    work_experience_years: Mapped[float | None] = mapped_column(Float)
    from_sickness_benefit: Mapped[bool | None] = mapped_column(Boolean)
    benefit_share_3y: Mapped[float | None] = mapped_column(Float)  # benefit consumption, last 3 years
    benefit_periods_5y: Mapped[int | None] = mapped_column(Integer)  # benefit history, last 5 years
    origin: Mapped[str | None] = mapped_column(String(20))  # Danmarks Statistik's origin category
    disco: Mapped[str | None] = mapped_column(String(30))  # job function group (DISCO-08, grouped)
    industry: Mapped[str | None] = mapped_column(String(30))
    new_graduate: Mapped[bool | None] = mapped_column(Boolean)  # dimittend
    previous_income_100k: Mapped[float | None] = mapped_column(Float)  # DKK 100,000 per year
    children_at_home: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")


class ProfilingModel(db.Model):
    """A trained model version in the registry; one active per kind."""

    __tablename__ = "profiling_model"
    __table_args__ = (
        CheckConstraint(f"kind IN {MODEL_KINDS!r}", name="kind_known"),
        CheckConstraint("active = false OR activated_at IS NOT NULL", name="active_has_time"),
        UniqueConstraint("kind", "version", name="uq_profiling_model_kind_version"),
        Index("ix_profiling_model_kind_active", "kind", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))
    version: Mapped[int] = mapped_column(Integer)
    artefact_path: Mapped[str] = mapped_column(String(500))
    artefact_sha256: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(80))
    features: Mapped[list] = mapped_column(JSON)
    spec: Mapped[dict] = mapped_column(JSON)  # what scoring needs: columns, coefficients, levels, medians, threshold
    report: Mapped[dict] = mapped_column(JSON)
    training_rows: Mapped[int] = mapped_column(Integer)
    cv_auc: Mapped[float | None] = mapped_column(Float)
    fairness_warnings: Mapped[int] = mapped_column(Integer, default=0)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trained_by: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by: Mapped[str | None] = mapped_column(String(80))
    activation_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def label(self) -> str:
        return f"{self.kind}-v{self.version}"


class ProfilingAssessment(db.Model):
    """One score of one member by one model version; history is kept (newest wins)."""

    __tablename__ = "profiling_assessment"
    __table_args__ = (
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability_in_range"),
        CheckConstraint(f"proposed_group IN {TARGET_GROUPS!r}", name="group_known"),
        Index("ix_profiling_assessment_member_id_desc", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    model_id: Mapped[int] = mapped_column(ForeignKey("profiling_model.id"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    proposed_group: Mapped[str] = mapped_column(String(2))
    factors: Mapped[list] = mapped_column(JSON)  # [{"text": "55 år eller derover", "contribution": 0.61}, …]
    unseen_levels: Mapped[list] = mapped_column(JSON)  # ["disco=bager"]: levels the model had not seen
    input_hash: Mapped[str] = mapped_column(String(40))  # to re-score only members whose inputs changed
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scored_by: Mapped[str] = mapped_column(String(80))

    model = relationship("ProfilingModel", lazy="joined")


class GroupDecision(db.Model):
    """The caseworker's decision on the target group, beside the model's proposal (kept, never edited)."""

    __tablename__ = "profiling_group_decision"
    __table_args__ = (
        CheckConstraint(f"decided_group IN {TARGET_GROUPS!r}", name="decided_group_known"),
        CheckConstraint(f"proposed_group IS NULL OR proposed_group IN {TARGET_GROUPS!r}", name="proposed_group_known"),
        CheckConstraint("length(comment) > 0", name="comment_given"),
        Index("ix_profiling_group_decision_member_decided", "member_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("profiling_assessment.id"))
    model_label: Mapped[str | None] = mapped_column(String(20))  # "B-v3", None if there was no score
    probability: Mapped[float | None] = mapped_column(Float)
    proposed_group: Mapped[str | None] = mapped_column(String(2))
    previous_group: Mapped[str | None] = mapped_column(String(2))
    decided_group: Mapped[str] = mapped_column(String(2))
    overrides_proposal: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by: Mapped[str] = mapped_column(String(80))  # actor label
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    decided_by_user = relationship("User")
    assessment = relationship("ProfilingAssessment")


class GroupObjection(db.Model):
    """A member saying, on Min side, that they disagree with their target group or its reasons.

    Open until a caseworker makes a new group decision for the member (keeping or changing the group, with a
    reason the member sees); that decision answers every open objection."""

    __tablename__ = "profiling_group_objection"
    __table_args__ = (
        CheckConstraint("length(text) > 0", name="text_given"),
        Index("ix_profiling_group_objection_member_open", "member_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("profiling_group_decision.id"))  # what was objected to
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_by_decision_id: Mapped[int | None] = mapped_column(ForeignKey("profiling_group_decision.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decision = relationship("GroupDecision", foreign_keys=[decision_id])
    answer = relationship("GroupDecision", foreign_keys=[answered_by_decision_id])
