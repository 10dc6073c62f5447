"""The outbox keys of reminders, and stopping the reminders of a time that no longer holds.

A reminder's idempotency key names what it reminds of (a booking and its SEQUENCE; an offer session, the member and
the start), so the areas that cancel or move a conversation or a seat can stop the reminders already queued for
the old time without knowing how reminders are written (portal/services/messaging/reminders.py writes them).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portal.i18n import N_
from portal.services.messaging import outbox

# Stored in the stopped row's last_error (Danish, as every stored error); /admin/udbakke shows it translated.
STOPPED_TIME_CHANGED = N_("Stoppet: tiden er aflyst eller flyttet, så påmindelsen gælder ikke længere.")


def booking_reminders_prefix(booking_id: int) -> str:
    return f"reminder:booking:{booking_id}:"


def booking_reminder_key(booking, hours: int) -> str:
    return f"{booking_reminders_prefix(booking.id)}s{booking.sequence}:{hours}h"


def session_reminders_prefix(session_id: int, member_id: int | None = None) -> str:
    return f"reminder:offer_session:{session_id}:" + (f"{member_id}:" if member_id is not None else "")


def session_reminder_key(session_id: int, member_id: int, starts_at: datetime, hours: int) -> str:
    return f"{session_reminders_prefix(session_id, member_id)}{starts_at:%Y%m%dT%H%M}:{hours}h"


def stop_booking_reminders(session: Session, booking_id: int, *, now: datetime) -> int:
    """The booking was cancelled, moved or handed to another caseworker: its queued reminders (e-mail and SMS)
    describe a time or a person that no longer holds and are not sent. The next reminder run writes the new
    time's. Returns how many were stopped."""
    return outbox.stop_pending(session, booking_reminders_prefix(booking_id), reason=STOPPED_TIME_CHANGED, now=now)


def stop_session_reminders(session: Session, session_id: int, member_id: int | None = None, *,
                           now: datetime) -> int:
    """The offer session was cancelled or moved (member_id None), or one member's seat was given up: the queued
    reminders of the old time are not sent."""
    return outbox.stop_pending(session, session_reminders_prefix(session_id, member_id),
                               reason=STOPPED_TIME_CHANGED, now=now)
