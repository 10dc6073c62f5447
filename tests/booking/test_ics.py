from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from portal.services.booking.ics import Invitation, build_ics

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


def test_request_and_cancel_share_uid_and_carry_sequence():
    inv = Invitation(uid="booking-1@portal.foa.dk", sequence=2, starts_at=NOW + timedelta(days=2),
                     ends_at=NOW + timedelta(days=2, minutes=45), summary="CV-samtale", location="FOA Odense",
                     url="https://video.example/abc", attendee_email="m@eksempel.dk", attendee_name="Mette Jensen")
    for method in ("REQUEST", "CANCEL"):
        cal = Calendar.from_ical(build_ics(inv, method=method, now=NOW))
        assert cal["method"] == method
        event = cal.walk("VEVENT")[0]
        assert str(event["uid"]) == "booking-1@portal.foa.dk"
        assert int(event["sequence"]) == 2
        assert event.decoded("dtstart") == NOW + timedelta(days=2)
        assert str(event["url"]) == "https://video.example/abc"
        assert str(event["summary"]) == "CV-samtale"


# --- The direct writer against the icalendar library (issue 19: reminders at ≥ 2,000 messages/s) -----------------

def _icalendar_reference(invitation: Invitation, method: str, now: datetime) -> bytes:
    """The way build_ics made the file through the icalendar library before issue 19: the reference."""
    from icalendar import Event, vCalAddress, vText

    cal = Calendar()
    cal.add("prodid", "-//FOA A-kasse//Portal//DA")
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


def _invitations(n: int):
    import random

    rng = random.Random(19)
    alphabet = "abcæøåÆØÅ éü,;:\\\"'^\n\r\t’-–€😀xyz0123456789"
    words = ["Samtale", "Rådighedssamtale", "Sagsbehandler: Åse Ø. Jensen", "Sted: FOA Århus, Banegårdsgade 1",
             "Jobcentret deltager.", "Begrundelse: sygdom; ny tid", r"back\slash", "a" * 80, "ø" * 40]

    def text(max_len: int) -> str:
        if rng.random() < 0.5:
            return "\n".join(rng.sample(words, rng.randint(1, 4)))
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, max_len)))

    for i in range(n):
        start = NOW + timedelta(days=rng.randint(0, 400), minutes=15 * rng.randint(0, 60))
        yield Invitation(
            uid=f"booking-{i}@portal.foa.dk", sequence=rng.randint(0, 12), starts_at=start,
            ends_at=start + timedelta(minutes=rng.choice((30, 45, 60))), summary=text(90),
            description=text(300) if rng.random() < 0.9 else "", location=text(60) if rng.random() < 0.9 else "",
            url=rng.choice([None, "https://video.foa.dk/m/abc-123?x=1;y=2,z", "https://meet.example/" + "q" * 90]),
            attendee_email=rng.choice([None, "m@eksempel.dk", "anne.marie.jørgensen@eksempel.dk"]),
            attendee_name=rng.choice([None, "Mette Jensen", "Åse \"Ø\" Jensen, jr.", "Bo", "O'Brien", "x^y"]),
            organizer_name=rng.choice(["FOA A-kasse", "FOA", "FOA; A-kasse"]))


def test_direct_writer_is_byte_for_byte_what_icalendar_writes():
    for invitation in _invitations(400):
        for method in ("REQUEST", "CANCEL"):
            for now in (NOW, NOW.replace(microsecond=123456), NOW.replace(tzinfo=None)):
                assert build_ics(invitation, method=method, now=now) == \
                    _icalendar_reference(invitation, method, now), invitation


def test_direct_writer_round_trips_through_icalendar():
    # (icalendar's own parser mis-reads a backslash just before an escaped comma, so texts with one are left to
    # the byte-for-byte test above)
    for invitation in (i for i in _invitations(200) if "\\" not in i.summary + i.description):
        event = Calendar.from_ical(build_ics(invitation, now=NOW)).walk("VEVENT")[0]
        assert str(event["summary"]) == invitation.summary.replace("\r\n", "\n")
        assert event.decoded("dtstart") == invitation.starts_at
        assert event.decoded("dtend") == invitation.ends_at
        if invitation.description:
            assert str(event["description"]) == invitation.description.replace("\r\n", "\n")


def test_a_time_in_another_zone_is_written_as_the_same_instant_in_utc():
    from zoneinfo import ZoneInfo

    local = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    inv = Invitation(uid="u@portal.foa.dk", sequence=0, starts_at=local, ends_at=local + timedelta(minutes=45),
                     summary="CV-samtale")
    text = build_ics(inv, now=NOW).decode()
    assert "DTSTART:20261204T090000Z\r\n" in text
    assert Calendar.from_ical(text).walk("VEVENT")[0].decoded("dtstart") == local
