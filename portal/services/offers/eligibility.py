"""Who an offer is open to: the member's audiences by status and target group (the one rule the catalogue,
registration and taking a held seat all ask)."""
from __future__ import annotations

from portal.models import Member
from portal.models.offers import Offer
from portal.models.statuses import MemberStatus


def member_audiences(member: Member) -> set[str]:
    """The audiences a member belongs to. A member not yet profiled counts as group 1 (the majority)."""
    if member.status == MemberStatus.I_JOB:
        return set()
    if member.status == MemberStatus.OPSAGT:
        return {"opsagt"}
    groups = {member.target_group or "1"}
    if member.status == MemberStatus.SYGEMELDT:
        groups.add("sygemeldt")
    return groups


def offer_fits(offer: Offer, member: Member) -> bool:
    return bool(member_audiences(member) & set(offer.audiences))
