"""The caseworker's calendar with a booking in every state: each badge is readable (axe's colour-contrast rule, the
one the issue saw fail at 4.37:1 for "Aflyst af medlemmet"), at full opacity, on a desktop and a phone."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PHONE, shot

STATES = {"booked": "Booket", "held": "Afholdt", "no_show": "Udeblevet", "cancelled_member": "Aflyst af medlemmet",
          "cancelled_fund": "Aflyst af a-kassen"}


@pytest.fixture(scope="module")
def week(portal):
    """Monday of a week three weeks ahead with one of sagsbehandler's bookings in each state, 06:00 local."""
    _base, app = portal
    from portal.extensions import db
    from portal.models import Booking, Caseworker, Member, User
    from portal.timeutil import LOCAL_TZ, utcnow

    today = date.today()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=3)
    with app.app_context():
        caseworker = db.session.scalar(select(Caseworker).join(User).where(User.username == "sagsbehandler"))
        member = db.session.scalar(select(Member).where(Member.caseworker_id == caseworker.id).limit(1))
        now = utcnow()
        for offset, status in enumerate(STATES):
            day = monday + timedelta(days=offset)
            starts = datetime(day.year, day.month, day.day, 6, 0, tzinfo=LOCAL_TZ)
            db.session.add(Booking(uid=f"contrast-{uuid4()}", member_id=member.id, caseworker_id=caseworker.id,
                                   location_id=member.location_id, type="followup_phone", channel="phone",
                                   starts_at=starts, ends_at=starts + timedelta(minutes=30), status=status,
                                   created_at=now, updated_at=now))
        db.session.commit()
        db.session.remove()
    return monday


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_booking_state_badge_is_readable(pages, week, viewport):
    page = pages.login("sagsbehandler", viewport)
    page.goto(f"/kalender?dato={week.isoformat()}")
    for label in STATES.values():
        badge = page.locator(".cal-item .status", has_text=label).first
        assert badge.is_visible(), label
        opacity = badge.evaluate("""el => { let o = 1; for (let n = el; n; n = n.parentElement)
                                              o *= parseFloat(getComputedStyle(n).opacity); return o; }""")
        assert opacity == 1, (label, opacity)
    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["color-contrast"]},
                                       "resultTypes": ["violations"]})
    shot(page, f"calendar-states-{'phone' if viewport is PHONE else 'desktop'}")
    bad = [(n["target"], n["any"][0]["message"] if n["any"] else "") for v in results.response["violations"]
           for n in v["nodes"]]
    assert not bad, bad
