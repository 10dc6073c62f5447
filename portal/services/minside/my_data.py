"""My data (GDPR art. 15): everything held about a member, as a JSON-ready dict, and who on staff opened the file.

The export is generic: every table with a `member_id` column is included, so other areas' data (bookings, chat,
registrations, profiling …) is in it without this module knowing them.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import AuditEntry, Member, User
from portal.services import audit
from portal.services.access import reason_text
from portal.services.actors import Actor
from portal.services.minside_i18n import _l, plain

log = logging.getLogger("portal.my_data")
STAFF_ROLES = ("caseworker", "admin", "steering")
ROW_LIMIT = 10_000  # per table, so one export can never exhaust memory
# Columns never exported (secrets, not personal data about the member).
SECRET_COLUMNS = {"password_hash", "token_hash", "secret"}
ACTION_LABELS = {
    "preparation.view": _l("Så dine svar på spørgsmål 2 og 10"),
    "preparation.answer": _l("Registrerede dine svar på spørgsmål 2 og 10"),
    "profile.update": _l("Rettede din profil"),
    "plan.propose": _l("Tilføjede et punkt til din plan"),
    "plan.accept": _l("Godkendte dit forslag til planen"),
    "plan.reject": _l("Afviste dit forslag til planen"),
    "plan.status": _l("Ændrede status på et punkt i din plan"),
    "plan.comment": _l("Kommenterede et punkt i din plan"),
    "consent.give": _l("Registrerede et samtykke"),
    "consent.withdraw": _l("Registrerede, at et samtykke blev trukket tilbage"),
}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return plain(ACTION_LABELS[action])
    verb = action.rsplit(".", 1)[-1]
    # a look, however the area names it: file_opened, cv_viewed, inbox_viewed, lookup …
    if verb in ("view", "viewed", "read", "open", "search", "export", "list", "lookup") or verb.endswith(
            ("_viewed", "_opened", "_read", "_view", "_lookup")):
        return plain(_l("Så dine oplysninger"))
    return plain(_l("Ændrede eller registrerede oplysninger om dig"))


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    return value


def _row(mapping) -> dict:
    return {k: _json_value(v) for k, v in mapping.items() if k not in SECRET_COLUMNS}


def _about_member(table, member_id: int):
    """The WHERE clause picking the member's rows of `table`, or None when it holds none: a table with a
    member_id, and a table whose rows belong to such a row (a plan item's history and comments, a conversation's
    agreements, a summary's dispatches, a chat's messages), which has no member_id of its own."""
    if table.name == "member":
        return None
    if "member_id" in table.c:
        return table.c.member_id == member_id
    owners = [fk for fk in table.foreign_keys
              if "member_id" in fk.column.table.c and fk.column.table.name != "member"]
    if not owners:
        return None
    return or_(*[fk.parent.in_(select(fk.column).where(fk.column.table.c.member_id == member_id))
                 for fk in owners])


def export(session: Session, member: Member, *, actor: Actor, now: datetime, record_export: bool = True) -> dict:
    """All data about the member; a download (record_export) is itself audited."""
    member_row = session.execute(select(Member.__table__).where(Member.__table__.c.id == member.id)).mappings().one()
    data: dict = {"exported_at": now.isoformat(), "member": _row(member_row)}
    if member.user_id:
        user = session.get(User, member.user_id)
        data["account"] = {"username": user.username, "email": user.email, "locale": user.locale,
                           "created_at": _json_value(user.created_at), "last_login_at": _json_value(user.last_login_at)}
        from portal.models import Notification

        data["notifications"] = [
            _row(r) for r in session.execute(select(Notification.__table__).where(
                Notification.__table__.c.user_id == member.user_id).limit(ROW_LIMIT)).mappings()]
    if member.caseworker is not None:
        data["caseworker"] = {"name": member.caseworker.name, "location": member.caseworker.location.name}
    data["location"] = member.location.name if member.location else None
    tables, unreadable = {}, []
    for table in db.metadata.sorted_tables:
        where = _about_member(table, member.id)
        if where is None:
            continue
        try:
            with session.begin_nested():  # one unreadable table must not hide the others
                rows = session.execute(select(table).where(where).limit(ROW_LIMIT))
                tables[table.name] = [_row(r) for r in rows.mappings()]
        except DBAPIError:
            log.exception("my data: table %s could not be read", table.name)
            unreadable.append(table.name)
    data["records"] = tables
    if unreadable:  # said out loud rather than silently left out
        data["unreadable_tables"] = unreadable
    if record_export:
        audit.record(session, actor, "my_data.export", member_id=member.id, now=now,
                     detail={"tables": sorted(t for t, rows in tables.items() if rows)})
    return data


def staff_access(session: Session, member: Member, *, limit: int = 200) -> list[dict]:
    """Audit entries about the member whose actor is a staff member: when, who, what, and the reason given."""
    rows = session.execute(
        select(AuditEntry, User).join(User, User.id == AuditEntry.actor_user_id)
        .where(AuditEntry.member_id == member.id, User.role.in_(STAFF_ROLES))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    ).all()
    return [{"at": entry.at, "who": user.display_name, "role": user.role, "action": entry.action,
             "what": action_label(entry.action), "reason": reason_text(entry) or None} for entry, user in rows]
