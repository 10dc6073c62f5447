"""Members of the a-kasse and the caseworkers who serve them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.statuses import MemberStatus, codes

# DOMAIN.md "Who uses the system": opsagt = dismissed, still employed in the notice period (mark O).
MEMBER_STATUSES = codes(MemberStatus)
TARGET_GROUPS = ("1", "2a", "2b")
GENDERS = ("female", "male", "other")
PLACEMENTS = ("new", "returning")  # nyindplaceret / genindplaceret
CHANNELS = ("in_person", "phone", "video")  # fremmøde / telefon / video (Skype)
LANGUAGES = ("da", "en")


class Caseworker(db.Model):
    __tablename__ = "caseworker"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("service_location.id"), index=True)
    # Larger departments name special caseworkers for group 2 (DOMAIN.md, contact course).
    group2_specialist: Mapped[bool] = mapped_column(Boolean, default=False)
    # The central unit takes escalated handoffs and may see members of every location.
    central_unit: Mapped[bool] = mapped_column(Boolean, default=False)

    user = relationship("User", back_populates="caseworker")
    location = relationship("ServiceLocation")

    @property
    def name(self) -> str:
        return self.user.display_name

    @property
    def active(self) -> bool:
        """Still working here: a caseworker whose login is deactivated (a leaver) is offered for no new booking or
        move and is nobody's contact any more (portal.services.casework.reassignment hands their work on)."""
        return self.user.active


class Member(db.Model):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint(f"status IN {MEMBER_STATUSES!r}", name="status_known"),
        CheckConstraint(f"target_group IS NULL OR target_group IN {TARGET_GROUPS!r}", name="group_known"),
        CheckConstraint(f"gender IN {GENDERS!r}", name="gender_known"),
        CheckConstraint(f"placement IN {PLACEMENTS!r}", name="placement_known"),
        CheckConstraint(f"preferred_channel IN {CHANNELS!r}", name="channel_known"),
        CheckConstraint(f"language IN {LANGUAGES!r}", name="language_known"),
        CheckConstraint(f"status != '{MemberStatus.LEDIG}' OR first_unemployment_day IS NOT NULL",
                        name="ledig_has_first_day"),
        CheckConstraint(f"status != '{MemberStatus.OPSAGT}' OR notice_end_date IS NOT NULL",
                        name="opsagt_has_notice_end"),
        Index("ix_member_location_status", "location_id", "status"),
        Index("ix_member_caseworker_status", "caseworker_id", "status"),
        Index("ix_member_last_name_first_name", "last_name", "first_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_number: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(10))
    location_id: Mapped[int] = mapped_column(ForeignKey("service_location.id"))
    # Home municipality (official code, portal/data/municipalities.csv): its job centre is the member's job centre.
    municipality_code: Mapped[int | None] = mapped_column(Integer, index=True)
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    status: Mapped[str] = mapped_column(String(12))
    # Mark O: registered in FOA JobMatch as dismissed in the notice period.
    mark_o: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_end_date: Mapped[date | None] = mapped_column(Date)
    first_unemployment_day: Mapped[date | None] = mapped_column(Date, index=True)
    target_group: Mapped[str | None] = mapped_column(String(2), index=True)
    trade_inside_foa: Mapped[bool] = mapped_column(Boolean, default=True)
    placement: Mapped[str] = mapped_column(String(10), default="new")
    job_goal: Mapped[str | None] = mapped_column(Text)
    trade: Mapped[str | None] = mapped_column(String(80))
    preferred_channel: Mapped[str] = mapped_column(String(10), default="in_person")
    language: Mapped[str] = mapped_column(String(2), default="da")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship("User", back_populates="member")
    location = relationship("ServiceLocation")
    caseworker = relationship("Caseworker")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def contact_caseworker(self) -> Caseworker | None:
        """The member's caseworker while that person still works here; None when they have none or theirs is
        deactivated (the a-kasse then finds a new one: the member is "without caseworker" for the alerts too)."""
        caseworker = self.caseworker
        return caseworker if caseworker is not None and caseworker.active else None
