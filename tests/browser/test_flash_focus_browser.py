"""After an action the page's message has the focus, where the person is looking: a caseworker marks a plan item
done on the conversation screen (back at #plan), and a member saves her profile (top of the page). Before, focus
was on the page's body and a screen reader said nothing of what happened."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Member, User
from tests.browser.conftest import PHONE, shot


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
