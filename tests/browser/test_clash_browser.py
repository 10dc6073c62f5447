"""One person, one place at a time, as the member meets it: in the browser and through the API, a second offer at
the time of medlem's webinar is refused with the clash named, and nothing is registered."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import PHONE, shot
from tests.live import DEMO_PASSWORD, call_json


@pytest.fixture(scope="module")
def clashing(portal):
    """A theme meeting open to medlem, at the very time of medlem's registered webinar."""
    _base, app = portal
    from portal.extensions import db
    from portal.models import Member, User
    from portal.models.offers import Offer, OfferRegistration, OfferSession

    with app.app_context():
        member = db.session.scalar(select(Member).join(User, Member.user_id == User.id)
                                   .where(User.username == "medlem"))
        webinar = db.session.scalar(
            select(OfferSession).join(OfferRegistration).join(Offer)
            .where(OfferRegistration.member_id == member.id, OfferRegistration.status == "registered",
                   Offer.kind == "webinar"))
        now = webinar.created_at
        offer = Offer(kind="theme_meeting", title="Temamøde: Samme tid", description="Et møde samtidig med webinaret.",
                      topic="job_search", provider="FOA A-kasse", hold_hours=24, active=True, sosu_variant=False,
                      requires_fvu_test=False, open_group_1=True, open_group_2a=True, open_group_2b=True,
                      open_opsagt=False, open_sygemeldt=False, created_at=now, updated_at=now)
        db.session.add(offer)
        db.session.flush()
        meeting = OfferSession(offer_id=offer.id, starts_at=webinar.starts_at + timedelta(minutes=15),
                               ends_at=webinar.ends_at, location_id=member.location_id, venue="Mødelokale 2",
                               capacity=20, seats_taken=0, status="open", sequence=0, created_at=now, updated_at=now)
        db.session.add(meeting)
        db.session.commit()
        ids = {"offer": offer.id, "session": meeting.id, "member": member.id, "webinar": webinar.offer.title}
        db.session.remove()
    return ids


def _registrations(app, session_id: int) -> int:
    from portal.extensions import db
    from portal.models.offers import OfferRegistration

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(OfferRegistration)
                                  .where(OfferRegistration.session_id == session_id))
        db.session.remove()
    return count


def test_a_clash_is_refused_in_the_browser_and_through_the_api(pages, portal, clashing):
    base, app = portal
    page = pages.login("medlem", PHONE)
    page.goto(f"/tilbud/{clashing['offer']}")
    page.get_by_role("button", name="Tilmeld mig").first.click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "Du er optaget på det tidspunkt" in text and clashing["webinar"] in text, text[:600]
    shot(page, "clash-refused-phone")
    assert _registrations(app, clashing["session"]) == 0

    status, body = call_json(base, "POST", "/api/v1/auth/token", {"username": "medlem", "password": DEMO_PASSWORD})
    assert status == 200, body
    status, body = call_json(base, "POST", f"/api/v1/sessions/{clashing['session']}/registration", {},
                             body["access_token"])
    assert status == 409 and body["code"] == "clash" and clashing["webinar"] in body["detail"]
    assert _registrations(app, clashing["session"]) == 0
