"""After an action the page's message has the focus, where the person is looking: a caseworker marks a plan item
done on the conversation screen (back at #plan), and a member saves her profile (top of the page). Before, focus
was on the page's body and a screen reader said nothing of what happened."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member, User
from tests.browser.conftest import PHONE, shot

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py: heaviest modules first)


def _medlem_number(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Member.member_number).join(User, User.id == Member.user_id)
                                 .where(User.username == "medlem"))


def test_the_message_after_a_plan_action_has_the_focus_inside_the_plan_section(pages, portal):
    page = pages.login("sagsbehandler")
    page.goto(f"/sagsbehandler/medlem/{_medlem_number(portal[1])}")
    done = page.locator("#plan").get_by_role("button", name="Markér udført").first
    assert done.count() == 1, "the demo's plan has an agreed item"
    done.click()
    page.wait_for_url("**#plan")
    page.wait_for_function("document.activeElement.className === 'flashes'", timeout=5000)
    focused = page.evaluate("""() => {
        const el = document.activeElement;
        return {cls: el.className, text: el.innerText, inPlan: !!el.closest('#plan')};
    }""")
    assert focused["cls"] == "flashes" and "Planen er opdateret" in focused["text"] and focused["inPlan"], focused
    shot(page, "flash-focus-plan")


def test_without_a_section_the_message_at_the_top_has_the_focus(pages):
    page = pages.login("medlem", PHONE)
    page.goto("/min-side/profil")
    page.get_by_role("button", name="Gem").first.click()
    page.wait_for_function("document.activeElement.className === 'flashes'", timeout=5000)
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.innerText]")
    assert focused[0] == "flashes" and focused[1].strip(), focused


def test_after_attendance_in_a_row_the_message_goes_above_the_table_not_into_the_row(pages, portal):
    # "Mødt" returns to #r<registration>: a table row cannot hold the message (it pushed the row's cells aside).
    from datetime import UTC, datetime, timedelta

    from portal.models import Caseworker, Member
    from portal.models.offers import OfferRegistration
    from tests.offers_helpers import make_offer, make_session

    app = portal[1]
    with app.app_context():
        cw = db.session.scalar(select(Caseworker).join(User, User.id == Caseworker.user_id)
                               .where(User.username == "sagsbehandler"))
        member = db.session.scalar(select(Member).join(User, User.id == Member.user_id)
                                   .where(User.username == "medlem"))
        now = datetime.now(UTC)
        offer = make_offer(db.session, title="Temamøde: Fremmøde i browseren")
        held = make_session(db.session, offer, location=cw.location, starts_in=timedelta(hours=-1), now=now)
        reg = OfferRegistration(member_id=member.id, session_id=held.id, status="registered", created_at=now,
                                updated_at=now, sequence=0, hold_round=0, right_and_duty=False)
        db.session.add(reg)
        held.seats_taken = 1
        db.session.commit()
        session_id, reg_id = held.id, reg.id
    page = pages.login("sagsbehandler")
    page.goto(f"/personale/tilbud/hold/{session_id}")
    page.locator(f"#r{reg_id}").get_by_role("button", name="Mødt").click()
    page.wait_for_url(f"**#r{reg_id}")
    page.wait_for_function("document.activeElement.className === 'flashes'", timeout=5000)
    placed = page.evaluate("""() => {
        const f = document.querySelector('.flashes');
        return {inRow: !!f.closest('tr'), beforeTable: !!(f.nextElementSibling &&
                (f.nextElementSibling.matches('.table-wrap, table')))};
    }""")
    assert placed == {"inRow": False, "beforeTable": True}, placed
