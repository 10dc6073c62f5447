"""Issue 16's real-browser journeys against the served, seeded demo portal (Debian's chromium via Playwright):

1. The caseworker adds a company internship to medlem's Min plan → the job-centre user of medlem's home
   municipality (login 'jobcenter', Jobcenter Odense) approves it in the inbox → the member sees it approved on Min
   plan. A job-centre user of another municipality finds neither the case nor the citizen.
2. A member in week 9: the conversation screen prompts the caseworker to invite → the caseworker books the joint
   conversation → Jobcenter Odense accepts the time → it is on the job centre's list of coming joint conversations,
   on the caseworker's calendar, and the member has the invitation with its .ics.
Screenshots go to docs/screenshots/journeys/.
"""
from __future__ import annotations

import re

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
    from portal.services.jobcentre import jobcentre
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


def _week_nine_member(app) -> tuple[str, str]:
    """A member of 'sagsbehandler' in week 9 living in Odense (461), with an e-mail and no joint conversation: made
    here, so the journey does not depend on what the demo's random members happen to be."""
    from datetime import date, timedelta

    from portal.extensions import db
    from portal.models import Caseworker, Member, User
    from portal.timeutil import local_today, utcnow

    with app.app_context():
        try:
            caseworker = db.session.scalar(select(Caseworker).join(User, User.id == Caseworker.user_id)
                                           .where(User.username == "sagsbehandler"))
            now = utcnow()
            member = Member(member_number="1999901", first_name="Karin", last_name="Fællessen",
                            email="karin@eksempel.dk", phone="+4521222324", birth_date=date(1968, 5, 1),
                            gender="female", location_id=caseworker.location_id, municipality_code=461,
                            caseworker_id=caseworker.id, status="ledig", mark_o=False, target_group="2a",
                            first_unemployment_day=local_today() - timedelta(weeks=9, days=1),
                            trade_inside_foa=True, trade="Social- og sundhedshjælper", placement="new",
                            preferred_channel="in_person", language="da", created_at=now, updated_at=now)
            db.session.add(member)
            db.session.commit()
            return member.member_number, member.full_name
        finally:
            db.session.remove()


def _invitation_mail(app, number: str):
    from portal.extensions import db
    from portal.models import Member, OutboxMessage

    with app.app_context():
        try:
            member = db.session.scalar(select(Member).where(Member.member_number == number))
            mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.member_id == member.id,
                                                                 OutboxMessage.kind == "booking_created",
                                                                 OutboxMessage.channel == "email"))
            return (mail.to_address, [a.filename for a in mail.attachments]) if mail else None
        finally:
            db.session.remove()


def test_journey_joint_conversation_invited_at_week_9_accepted_on_all_three_calendars(pages, portal):
    _base, app = portal
    number, name = _week_nine_member(app)
    caseworker = pages.login("sagsbehandler", DESKTOP)
    caseworker.goto(f"/sagsbehandler/medlem/{number}?formaal=opfoelgning")
    prompt = caseworker.locator("#jobcenter .notice")
    assert "inviter medlem og jobcenter til fællessamtalen" in prompt.inner_text()
    prompt.get_by_role("link", name="Book fællessamtalen").click()
    caseworker.wait_for_load_state()
    assert "jobcentret får invitationen" in caseworker.content()
    caseworker.locator("ul.slot-times button.slot").first.click()
    caseworker.wait_for_load_state()
    if caseworker.locator("#override_reason").count():  # the member is busy then: book anyway, with a reason
        caseworker.fill("#override_reason", "Medlemmet flytter den anden aftale")
        caseworker.get_by_role("button", name="Book alligevel").click()
        caseworker.wait_for_load_state()
    caseworker.goto(f"/sagsbehandler/medlem/{number}")
    assert "inviter medlem og jobcenter" not in caseworker.content()
    sent = caseworker.locator("#jobcenter li", has_text="Invitation til fællessamtale")
    assert "Sendt til jobcentret" in sent.inner_text()

    jobcentre = pages.login("jobcenter", DESKTOP)
    row = jobcentre.locator("table tr", has_text=name).filter(has_text="Invitation til fællessamtale")
    row.locator("a", has_text="Invitation til fællessamtale").click()
    jobcentre.wait_for_load_state()
    assert name in jobcentre.content() and "Rettidig senest" in jobcentre.content()
    shot(jobcentre, "jobcentre-4-joint-invitation")
    jobcentre.get_by_role("button", name="Vi deltager på det tidspunkt").click()
    jobcentre.wait_for_load_state()
    assert "Jobcentret deltager i fællessamtalen" in jobcentre.locator(".flashes").inner_text()
    calendar = jobcentre.locator("section", has_text="Kommende samtaler med jobcentret")
    assert name in calendar.inner_text()  # the job centre's calendar
    shot(jobcentre, "jobcentre-5-upcoming-joint")

    caseworker.goto(f"/sagsbehandler/medlem/{number}")
    answered = caseworker.locator("#jobcenter li", has_text="Invitation til fællessamtale")
    assert "Tidspunktet er accepteret af jobcentret" in answered.inner_text()
    caseworker.goto("/kalender")  # the caseworker's calendar: the week view from today
    week = caseworker.content()
    if name not in week:
        caseworker.get_by_role("link", name=re.compile("Næste uge|Næste")).first.click()
        week = caseworker.content()
    assert name in week
    to_address, files = _invitation_mail(app, number)  # the member's calendar: the invitation with its .ics
    assert to_address and "samtale.ics" in files


def test_the_job_centres_inbox_is_readable_on_a_phone(pages):
    """On a 390 px phone each case is a stacked card (its cells full width, each with its column name), not a
    four-column table that breaks names letter by letter; the Åbne/Alle tabs are tabs, not a bulleted list."""
    inbox = pages.login("jobcenter", PHONE)
    assert inbox.url.endswith("/jobcenter/")
    cell = inbox.locator("table.jc-inbox tbody td[data-label='Borger']").first
    assert cell.bounding_box()["width"] > 300
    assert inbox.locator("nav.chat-tabs ul").evaluate("e => getComputedStyle(e).listStyleType") == "none"
    assert inbox.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(inbox, "jobcentre-6-inbox-phone")
