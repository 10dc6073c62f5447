"""What the member's status (portal/models/statuses.py MemberStatus) means for what she is told and what staff are
warned of, in one place.

Statuses arrive from the member register as bulk updates, so nothing here is stored: each answer is computed from
the member's status and dates when a page is shown, and is right the moment the register's change lands.
"""
from __future__ import annotations

from datetime import date

from portal.models.statuses import MemberStatus


def notice_period_over(member, today: date) -> bool:
    """A dismissed member whose notice period has ended while the register still says "opsagt" (it has not caught
    up yet): unless she has found a new job she is unemployed from the next day, the first day of unemployment
    that starts her contact course (DOMAIN.md "Timeline"). `member`: a Member or any row with status and
    notice_end_date (the caseload's)."""
    return (member.status == MemberStatus.OPSAGT and member.notice_end_date is not None
            and member.notice_end_date < today)


def right_and_duty_applies(member) -> bool:
    """Whether a right-and-duty offer (ret- og pligttilbud) binds the member: attendance is a duty of a member out
    of work (DOMAIN.md "Offers"); a member back in a job has none, so her registrations are shown as ordinary ones."""
    return member.status != MemberStatus.I_JOB
