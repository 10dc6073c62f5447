"""How the cooperation with the job centres goes (issue 16; seed section 4.2: a good cooperation with every job
centre): Min plan approvals asked, given, refused, still open or withdrawn, and the job centres' answer time.
Shown on the steering dashboard (/styring)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.jobcentre import JobcentreMessage
from portal.models.statuses import JobcentreDecision, JobcentreMessageStatus
from portal.services.jobcentre import municipalities
from portal.services.jobcentre.jobcentre import OPEN_STATUSES


def _approval_rows(session: Session, since: datetime | None, until: datetime | None) -> list[JobcentreMessage]:
    query = select(JobcentreMessage).where(JobcentreMessage.kind == "plan_approval")
    if since is not None:
        query = query.where(JobcentreMessage.created_at >= since)
    if until is not None:
        query = query.where(JobcentreMessage.created_at < until)
    return list(session.scalars(query))


def approval_counts(session: Session, *, since: datetime | None = None, until: datetime | None = None) -> dict:
    """Approvals asked, given, refused, still open, and the median waiting time in hours (steering, seed 4.2)."""
    return _counts(_approval_rows(session, since, until))


def cooperation(session: Session, *, since: datetime | None = None, until: datetime | None = None) -> dict:
    """The steering dashboard's job-centre section: the counts in all and per job centre (most requests first)."""
    rows = _approval_rows(session, since, until)
    by_centre: dict[int, list[JobcentreMessage]] = {}
    for row in rows:
        by_centre.setdefault(row.jobcentre_code, []).append(row)
    centres = sorted(by_centre.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return {"total": _counts(rows),
            "by_jobcentre": [(municipalities.jobcentre_name(code) or str(code), _counts(group))
                             for code, group in centres]}


def _counts(rows: list[JobcentreMessage]) -> dict:
    waits = sorted((m.decided_at - m.created_at).total_seconds() / 3600 for m in rows if m.decided_at)
    median = None
    if waits:
        mid = len(waits) // 2
        median = round(waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2, 1)
    return {"asked": len(rows), "approved": sum(m.decision == JobcentreDecision.APPROVED for m in rows),
            "rejected": sum(m.decision == JobcentreDecision.REJECTED for m in rows),
            "open": sum(m.status in OPEN_STATUSES for m in rows),
            "withdrawn": sum(m.status == JobcentreMessageStatus.WITHDRAWN for m in rows), "median_wait_hours": median}
