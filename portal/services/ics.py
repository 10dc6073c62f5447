"""iCalendar (.ics) invitations for bookings and offer sessions: METHOD REQUEST/CANCEL, stable UID, SEQUENCE."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//FOA A-kasse//Portal//DA"


@dataclass(frozen=True)
class Invitation:
    uid: str  # stable for the life of the booking, e.g. "booking-123@portal.foa.dk"
    sequence: int  # bump on every change (RFC 5546)
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    summary: str
    description: str = ""
    location: str = ""
    url: str | None = None  # e.g. the video meeting link
    organizer_email: str = "noreply@foa.dk"
    organizer_name: str = "FOA A-kasse"
    attendee_email: str | None = None
    attendee_name: str | None = None


def build_ics(invitation: Invitation, *, method: str = "REQUEST", now: datetime) -> bytes:
    """One VEVENT in a VCALENDAR with METHOD REQUEST (new or changed) or CANCEL."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(method)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", invitation.starts_at)
    event.add("dtend", invitation.ends_at)
    event.add("summary", invitation.summary)
    if invitation.description:
        event.add("description", invitation.description)
    if invitation.location:
        event.add("location", invitation.location)
    if invitation.url:
        event.add("url", invitation.url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{invitation.organizer_email}")
    organizer.params["cn"] = vText(invitation.organizer_name)
    event["organizer"] = organizer
    if invitation.attendee_email:
        attendee = vCalAddress(f"mailto:{invitation.attendee_email}")
        if invitation.attendee_name:
            attendee.params["cn"] = vText(invitation.attendee_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()
