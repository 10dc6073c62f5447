"""iCalendar (.ics) invitations for bookings and offer sessions: METHOD REQUEST/CANCEL, stable UID, SEQUENCE."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

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
    """One VEVENT in a VCALENDAR with METHOD REQUEST (new or changed) or CANCEL.

    Written directly, byte for byte what the icalendar library writes for the same event (its property order,
    TEXT escaping, parameter quoting and RFC 6868 escaping, 75-octet folding): a reminder run writes thousands,
    and building each through icalendar's objects cost more than rendering the whole e-mail (issue 19).
    tests/booking/test_ics.py compares the two on many invitations and parses the result back with icalendar. Times are
    written in UTC (an aware time in another zone is converted; icalendar would name a TZID without defining it).
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(method)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_text(PRODID)}", f"METHOD:{_text(method)}",
             "BEGIN:VEVENT", f"SUMMARY:{_text(invitation.summary)}",
             f"DTSTART:{_time(invitation.starts_at)}", f"DTEND:{_time(invitation.ends_at)}",
             f"DTSTAMP:{_stamp(now)}", f"UID:{_text(invitation.uid)}", f"SEQUENCE:{int(invitation.sequence)}"]
    # After the canonical ones, icalendar writes the properties in alphabetical order.
    if invitation.attendee_email:
        params = f"CN={_param('CN', invitation.attendee_name)};" if invitation.attendee_name else ""
        lines.append(f"ATTENDEE;{params}ROLE=REQ-PARTICIPANT:mailto:{invitation.attendee_email}")
    if invitation.description:
        lines.append(f"DESCRIPTION:{_text(invitation.description)}")
    if invitation.location:
        lines.append(f"LOCATION:{_text(invitation.location)}")
    lines.append(f"ORGANIZER;CN={_param('CN', invitation.organizer_name)}:mailto:{invitation.organizer_email}")
    lines.append(f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}")
    if invitation.url:
        lines.append(f"URL:{invitation.url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_folded(line) for line in lines).encode("utf-8")


def calendar_attachment(filename: str, content: bytes) -> tuple[str, str, bytes]:
    """An outbox attachment (filename, content type, content) of an invitation from `build_ics`: the content type
    names its METHOD, as RFC 6047 asks, and its charset (the text is UTF-8: "Rådighedssamtale", "Aflyst")."""
    method = "CANCEL" if b"\r\nMETHOD:CANCEL\r\n" in content else "REQUEST"
    return filename, f'text/calendar; method={method}; charset="utf-8"', content


def _text(value: str) -> str:
    """RFC 5545 TEXT escaping, in icalendar's order."""
    return (value.replace(r"\N", "\n").replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,")
            .replace("\r\n", r"\n").replace("\n", r"\n"))


_RFC6868 = re.compile(r'\^|\r\n|\r|\n|"')
_RFC6868_TO = {"^": "^^", "\n": "^n", "\r": "^n", "\r\n": "^n", '"': "^'"}
_QUOTABLE = re.compile("[,;:’]")
_QUOTE_ALSO = {"CN": " '"}  # icalendar quotes a CN holding a space or an apostrophe too


def _param(name: str, value: str) -> str:
    escaped = _RFC6868.sub(lambda m: _RFC6868_TO[m.group(0)], value).replace('"', "'")
    if _QUOTABLE.search(escaped) or any(c in value for c in _QUOTE_ALSO.get(name, "")):
        return f'"{escaped}"'
    return escaped


# A reminder run writes the same few slot times (and one DTSTAMP) thousands of times; the text depends only on
# the value (equal aware times are the same instant, written in UTC).
@lru_cache(maxsize=4096)
def _time(value: datetime) -> str:
    if value.tzinfo is None:
        return value.strftime("%Y%m%dT%H%M%S")  # floating time, as given
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@lru_cache(maxsize=256)
def _stamp(value: datetime) -> str:
    """DTSTAMP is always UTC (a naive time is the portal's naive UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y%m%dT%H%M%SZ")


def _folded(line: str) -> str:
    """The line as `_fold` writes it, with its CRLF; most lines are short ASCII and need no encoding to tell."""
    if len(line) < 75 and line.isascii():
        return line + "\r\n"
    return _fold(line).decode("utf-8") + "\r\n"  # folding never splits a character: the pieces decode


def _fold(line: str, limit: int = 75) -> bytes:
    """RFC 5545 folding exactly as icalendar's foldline: greedy pieces of at most limit - 1 octets, never splitting
    a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) < limit:
        return data
    pieces = []
    start = 0
    while start < len(data):
        end = min(start + limit - 1, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        pieces.append(data[start:end])
        start = end
    return b"\r\n ".join(pieces)
