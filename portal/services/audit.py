"""Writing the audit log. Every personal-data read by staff and every state change goes through `record`."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import AuditEntry, Member, User
from portal.request_context import current_request_id
from portal.services.actors import Actor
from portal.timeutil import utcnow

log = logging.getLogger("portal.audit")


def actor_label(actor: Actor | None) -> str:
    """`user:<id>`, a system actor's name ("scheduler", "chatbot", "cli" …), or "anonymous" for nobody."""
    if actor is None:
        return "anonymous"
    if isinstance(actor, str):  # a SystemActor (or its plain name, as older callers pass it)
        return str(actor)
    return f"user:{actor.id}"


# AuditEntry.reason's length (String(200)).
REASON_MAX = 200


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    member_id: int | None = None,
    target: object | None = None,
    reason: str | None = None,
    detail: dict | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add one audit entry to the session (committed with the change it describes). A reason longer than the
    entry's reason column is shortened there and kept whole in `detail["reason"]`, never lost and never an error."""
    if reason is not None and len(reason) > REASON_MAX:
        detail = {**(detail or {}), "reason": reason}
        reason = reason[:REASON_MAX - 1] + "…"
    entry = AuditEntry(
        at=now or utcnow(),
        actor_user_id=actor.id if isinstance(actor, User) else None,
        actor_label=actor_label(actor),
        action=action,
        member_id=member_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=str(getattr(target, "id", "")) if target is not None else None,
        reason=reason,
        detail=detail or {},
        request_id=current_request_id(),
    )
    session.add(entry)
    log.info("audit %s by %s member=%s", action, entry.actor_label, member_id)
    return entry


AUDIT_PAGE_SIZE = 50


def search_log(session: Session, viewer: User, *, member_number: str = "", staff_username: str = "", page: int = 1,
               now: datetime | None = None, page_size: int = AUDIT_PAGE_SIZE) -> tuple[list[AuditEntry], bool]:
    """The admin's audit log, newest first, for one member's number and/or one staff login name; the look itself
    is audited (`audit.view`). Returns the page's entries and whether there are more."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    member = None
    if member_number:
        member = session.scalar(select(Member).where(Member.member_number == member_number))
        query = query.where(AuditEntry.member_id == (member.id if member else -1))
    if staff_username:
        staff_user = session.scalar(select(User).where(User.username == staff_username))
        query = query.where(AuditEntry.actor_user_id == (staff_user.id if staff_user else -1))
    entries = list(session.scalars(query.limit(page_size + 1).offset((max(1, page) - 1) * page_size)))
    record(session, viewer, "audit.view", member_id=member.id if member else None,
           detail={"member_number": member_number, "staff": staff_username}, now=now)
    return entries[:page_size], len(entries) > page_size


def overview_counts(session: Session) -> dict[str, int]:
    """What the administrator's front page counts: members, user accounts and audit-log entries, in one
    statement."""
    members, users, entries = session.execute(select(
        select(func.count()).select_from(Member).scalar_subquery(),
        select(func.count()).select_from(User).scalar_subquery(),
        select(func.count()).select_from(AuditEntry).scalar_subquery())).one()
    return {"members": members, "users": users, "audit": entries}
