from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from portal.services.ics import Invitation, build_ics

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
