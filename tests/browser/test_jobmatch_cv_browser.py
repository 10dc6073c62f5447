"""Issue 17's JobMatch CV journey in a real browser (Debian's chromium via Playwright) against the served demo:

a member on a phone fills her JobMatch CV on Min side and switches the job agent on → the caseworker creates a job
order that fits the CV (the order's screen lists her) → the job-agent job runs → the outbox job sends the e-mail to
a real SMTP server on 127.0.0.1, and it lists the order. A second run sends nothing more.
Screenshots go to docs/screenshots/journeys/.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PHONE, shot
from tests.scheduling_support import SmtpServer

EMAIL = "ernaering@eksempel.dk"
TITLE = "Ernæringsassistent, Madservice Odense"


def _new_member(app) -> None:
    """A member unemployed for three weeks in Odense, with no CV yet."""
    from portal.auth.passwords import hash_password
    from portal.extensions import db
    from portal.models import Member, ServiceLocation, User
    from portal.timeutil import local_today, utcnow
    from tests.live import DEMO_PASSWORD

    with app.app_context():
        try:
            now = utcnow()
            user = User(username="ny-ledig", password_hash=hash_password(DEMO_PASSWORD), role="member",
                        display_name="Nadia Holm", email=EMAIL, locale="da", active=True, failed_logins=0,
                        session_generation=0, created_at=now)
            db.session.add(user)
            db.session.flush()
            odense = db.session.scalar(select(ServiceLocation.id).where(ServiceLocation.name == "Odense"))
            db.session.add(Member(
                member_number="1009917", user_id=user.id, first_name="Nadia", last_name="Holm", email=EMAIL,
                phone="+4522334455", birth_date=local_today() - timedelta(days=365 * 34), gender="female",
                location_id=odense, municipality_code=461, status="ledig", mark_o=False,
                first_unemployment_day=local_today() - timedelta(weeks=3), target_group="1", trade_inside_foa=True,
                placement="new", trade="Køkkenassistent", job_goal=None, preferred_channel="in_person",
                language="da", created_at=now, updated_at=now))
            db.session.commit()
        finally:
            db.session.remove()


def _run(app, job_id: str):
    from portal.timeutil import utcnow
    from scheduling.jobs import run_job

    return run_job(job_id, app=app, now=utcnow() + timedelta(seconds=1), holder="browser-test")


def test_member_fills_cv_on_phone_and_the_job_agent_mails_a_new_matching_order(pages, portal):
    _base, app = portal
    _new_member(app)

    page = pages.login("ny-ledig", PHONE)
    page.goto("/min-side")
    page.get_by_role("link", name="Lav dit CV til FOA JobMatch").click()
    page.wait_for_url("**/min-side/jobmatch-cv")
    page.get_by_label("Hvilke job søger du?").fill("Ernæringsassistent i et storkøkken eller madservice")
    page.locator("#experience_0_title").fill("Køkkenassistent")
    page.locator("#experience_0_employer").fill("Plejecenter Lotus")
    page.locator("#experience_0_years").fill("7")
    page.get_by_label("Uddannelse", exact=True).fill("Ernæringsassistent, 2017")
    page.get_by_label("Hygiejnekursus").check()
    page.get_by_label("Fuld tid", exact=True).check()
    page.get_by_label("Kommuner, du vil arbejde i").select_option(["461", "479"])
    page.get_by_label("Arbejdsgivere, der giver FOA jobordrer, må se mit CV").check()
    page.get_by_role("button", name="Gem CV").click()
    page.wait_for_load_state()
    assert "Dit CV er gemt i FOA JobMatch." in page.locator("main").inner_text()
    page.get_by_role("button", name="Slå jobagenten til").click()
    page.wait_for_load_state()
    assert "Jobagenten er slået til." in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "minside-jobmatch-cv-phone")

    caseworker = pages.login("sagsbehandler", DESKTOP)
    caseworker.goto("/sagsbehandler/jobordrer/ny")
    caseworker.fill("#employer", "Odense Kommune, Madservice")
    caseworker.fill("#title", TITLE)
    caseworker.fill("#trade", "Ernæringsassistent")
    caseworker.fill("#hours_per_week", "37")
    caseworker.check("#employment")
    from portal.timeutil import local_today

    caseworker.fill("#deadline", (local_today() + timedelta(days=20)).isoformat())
    caseworker.fill("#contact_name", "Jens Kok")
    caseworker.fill("#contact_email", "jens.kok@odense.dk")
    caseworker.get_by_role("button", name="Opret jobordre").click()
    caseworker.wait_for_load_state()
    assert "Nadia Holm" in caseworker.locator("main").inner_text()  # matched by her CV's job goals

    server = SmtpServer().start()
    try:
        server.configure(app)
        agent = _run(app, "job_agent")
        assert agent.status == "ok" and agent.summary["enqueued"] >= 1, agent.summary
        assert _run(app, "dispatch_outbox").status == "ok"
        mails = [m for m in server.inbox.messages if m["To"] == EMAIL]
        assert len(mails) == 1
        mail = mails[0]
        assert mail["Subject"] == "Jobagent: 1 nyt job, der passer til dit CV"
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert TITLE in body and "Odense Kommune, Madservice" in body and "/min-side/jobmatch-cv" in body
        again = _run(app, "job_agent")
        assert again.summary["enqueued"] == 0
        _run(app, "dispatch_outbox")
        assert len([m for m in server.inbox.messages if m["To"] == EMAIL]) == 1  # never the same order twice
    finally:
        server.stop()
