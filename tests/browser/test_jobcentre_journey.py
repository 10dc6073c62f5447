"""Issue 16's real-browser journey against the served, seeded demo portal (Debian's chromium via Playwright):
the caseworker adds a company internship to medlem's Min plan → the job-centre user of medlem's home municipality
(login 'jobcenter', Jobcenter Odense) approves it in the inbox → the member sees it approved on Min plan.
A job-centre user of another municipality finds neither the case nor the citizen. Screenshots go to
docs/screenshots/journeys/.
"""
from __future__ import annotations

from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PHONE, shot

TITLE = "Virksomhedspraktik i Hjemmeplejen Syd"


def _case_id(app) -> int:
    from portal.extensions import db
    from portal.models.jobcentre import JobcentreMessage
    from portal.models.plan import PlanItem

    with app.app_context():
        try:
            return db.session.scalar(select(JobcentreMessage.id).join(PlanItem, PlanItem.id ==
                                                                      JobcentreMessage.plan_item_id)
                                     .where(PlanItem.title == TITLE))
        finally:
            db.session.remove()


def _aarhus_user(app) -> None:
    """A job-centre user of Aarhus (751); medlem lives in Odense (461)."""
    from portal.auth.passwords import hash_password
    from portal.extensions import db
    from portal.models import User
    from portal.services import jobcentre
    from portal.timeutil import utcnow
    from tests.live import DEMO_PASSWORD

    with app.app_context():
        try:
            user = User(username="jobcenter-aarhus", password_hash=hash_password(DEMO_PASSWORD), role="jobcenter",
                        display_name="Jobcenter Aarhus", locale="da", active=True, failed_logins=0,
                        session_generation=0, created_at=utcnow())
            db.session.add(user)
            db.session.flush()
            jobcentre.create_staff(db.session, user, 751)
            db.session.commit()
        finally:
            db.session.remove()


def test_journey_internship_approved_by_the_members_job_centre(pages, portal):
    _base, app = portal
    _aarhus_user(app)
    caseworker = pages.login("sagsbehandler", DESKTOP)
    caseworker.goto("/sagsbehandler/medlem/1000001?formaal=samtale")
    plan = caseworker.locator("#plan")
    plan.locator("summary", has_text="Foreslå et punkt").click()
    plan.locator("#plan-kind").select_option("company_internship")
    plan.locator("#plan-title").fill(TITLE)
    plan.get_by_role("button", name="Føj til planen").click()
    caseworker.wait_for_load_state()
    item = caseworker.locator("#plan li", has_text=TITLE)
    assert "Afventer jobcentret" in item.inner_text() and "Venter på Jobcenter Odense" in item.inner_text()

    member = pages.login("medlem", PHONE)
    member.goto("/min-side/plan")
    card = member.locator("article.plan-item", has_text=TITLE)
    assert "Afventer jobcentret" in card.inner_text()
    assert "Jobcenter Odense skal godkende aktiviteten" in card.inner_text()
    assert card.get_by_role("button", name="Markér som udført").count() == 0
    shot(member, "jobcentre-1-member-awaiting")

    jobcentre = pages.login("jobcenter", DESKTOP)
    assert jobcentre.url.endswith("/jobcenter/")
    jobcentre.get_by_role("link", name=TITLE).first.click()
    jobcentre.wait_for_load_state()
    shot(jobcentre, "jobcentre-2-case")
    jobcentre.get_by_role("button", name="Godkend aktiviteten").click()
    jobcentre.wait_for_load_state()
    assert "Aktiviteten er godkendt" in jobcentre.locator(".flashes").inner_text()

    other = pages.login("jobcenter-aarhus", DESKTOP)
    assert TITLE not in other.content()
    assert other.goto(f"/jobcenter/sag/{_case_id(app)}").status == 404
    assert other.goto("/jobcenter/borger/1000001").status == 404

    member.reload()
    card = member.locator("article.plan-item", has_text=TITLE)
    text = card.inner_text()
    assert "Aftalt" in text and "Jobcentrets afgørelse" in text and "Godkendt" in text
    assert card.get_by_role("button", name="Markér som udført").count() == 1
    shot(member, "jobcentre-3-member-approved")
    caseworker.reload()
    assert "Godkendt af jobcentret" in caseworker.locator("#plan li", has_text=TITLE).inner_text()
