"""What a member reads on Min side when her situation changes (status from the member register, in bulk): back in
a job, the notice period over while the register still says opsagt, mark O once no longer dismissed, and plan
deadlines that have passed."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from portal.models import Booking, Member
from portal.models.plan import PlanItem
from portal.services.booking import booking as booking_svc
from portal.services.casework import jobmatch_cv
from portal.services.minside import member_situation, offer_overview, plan
from portal.services.offers import offers
from tests.booking_helpers import NOW
from tests.offers_helpers import make_offer, make_session

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen
TODAY = NOW.date()


@pytest.fixture
def cw(make):
    return make.caseworker("birgitte", display_name="Birgitte Holm")


def _book(session, member, cw, type_: str, days: int) -> Booking:
    starts = NOW + timedelta(days=days, hours=1)
    booking = Booking(uid=f"t-{uuid.uuid4().hex}", member_id=member.id, caseworker_id=cw.id,
                      location_id=member.location_id, type=type_, channel="in_person", starts_at=starts,
                      ends_at=starts + timedelta(minutes=45), status="booked", sequence=0, with_jobcenter=False,
                      created_at=NOW, updated_at=NOW)
    session.add(booking)
    session.flush()
    return booking


def _back_in_work(session, member) -> None:
    """The member register's bulk update (plain SQL, no ORM events): the member is in a job now."""
    session.execute(update(Member).where(Member.id == member.id).values(status="i_job"))
    session.commit()


def _home(client, auth, username: str) -> str:
    auth.login(username)
    return client.get("/min-side").get_data(as_text=True)


# ---- back in a job -------------------------------------------------------------------------------------------

def test_a_member_in_job_with_things_still_booked_reads_what_is_true_and_no_group_2_course(client, auth, make,
                                                                                            session, cw):
    # Group 2a, unemployed when she booked her availability and focus conversations, got an FVU test as a
    # right-and-duty offer and a plan item with a deadline; then the register said "i_job".
    member = make.member("hanne", caseworker=cw, target_group="2a", weeks_unemployed=8)
    _book(session, member, cw, "availability", 2)
    _book(session, member, cw, "focus", 3)
    fvu_test = make_session(session, make_offer(session, kind="fvu_test", title="FVU-test i dansk", groups=("2a",)),
                            location=member.location, now=NOW)
    offers.assign_right_and_duty(session, member, fvu_test.id, actor=cw.user, now=NOW)
    plan.propose_item(session, member, kind="job_search", title="Søg fem job", due_date=TODAY + timedelta(days=10),
                      right_and_duty=True, actor=cw.user, now=NOW)
    session.commit()
    _back_in_work(session, member)

    html = _home(client, auth, "hanne")
    assert "Du er i job" in html and "Tillykke med jobbet" in html
    assert "Du har ingen samtaler" not in html  # she has: they are listed right below
    assert "Du har stadig aftaler hos os" in html and "Aflys dem, du ikke længere har brug for" in html
    assert "Rådighedssamtale" in html and "FVU-test i dansk" in html  # still shown, so she can cancel them
    assert "Du får et ekstra forløb hos os" not in html and str(offer_overview.FOCUS) not in html
    assert "Ret- og pligttilbud" not in html and "Ret og pligt" not in html  # no duty while in work
    plan_page = client.get("/min-side/plan").get_data(as_text=True)
    assert "Søg fem job" in plan_page and "du skal deltage" not in plan_page


def test_a_member_in_job_with_nothing_booked_is_told_so(client, auth, make, session, cw):
    member = make.member("ole", caseworker=cw, target_group="2b")
    session.commit()
    _back_in_work(session, member)
    html = _home(client, auth, "ole")
    assert "Du har ingen samtaler hos os lige nu" in html and "Du har stadig aftaler" not in html


@pytest.mark.parametrize("status, group, expected", [
    ("i_job", "2a", None), ("i_job", "2b", None), ("i_job", None, None),
    ("ledig", "2a", offer_overview.GROUP_2), ("ledig", "1", offer_overview.GROUP_1),
    ("opsagt", "2a", offer_overview.DISMISSED), ("sygemeldt", None, offer_overview.SICK_LISTED),
])
def test_offer_overview_being_in_a_job_wins_over_the_group_package(make, status, group, expected):
    assert offer_overview.for_member(make.member(status=status, target_group=group)) is expected


def test_a_member_in_job_is_offered_follow_ups_but_no_statutory_or_focus_conversations(client, auth, make, session,
                                                                                        cw):
    member = make.member("kirsten", caseworker=cw, target_group="2a", status="i_job")
    make.commit()
    bookable = {t.code for t in booking_svc.member_bookable_types(session, member)}
    assert bookable == {"followup_phone", "followup_video"}
    auth.login("kirsten")
    page = client.get("/samtaler?type=focus").get_data(as_text=True)
    assert "Fokussamtaler hører til det ekstra forløb for ledige i målgruppe 2" in page
    unemployed = make.member(caseworker=cw, target_group="2a")
    assert "focus" in {t.code for t in booking_svc.member_bookable_types(session, unemployed)}


@pytest.mark.parametrize("status, binds", [("ledig", True), ("sygemeldt", True), ("opsagt", True),
                                           ("i_job", False)])
def test_right_and_duty_binds_a_member_out_of_work_only(make, status, binds):
    assert member_situation.right_and_duty_applies(make.member(status=status)) is binds


# ---- the notice period is over, the register has not caught up -----------------------------------------------

def test_a_dismissed_member_after_her_notice_period_reads_it_in_the_past_and_what_to_do(client, auth, make, cw):
    make.member("lise", caseworker=cw, status="opsagt", target_group=None, notice_end_date=TODAY - timedelta(days=3))
    make.commit()
    html = _home(client, auth, "lise")
    assert "Din opsigelsesperiode sluttede 19. marts 2027." in html
    assert "slutter 19. marts 2027" not in html
    assert "meld dig ledig på jobnet.dk" in html and "din første samtale med dig, en CV-samtale" in html


def test_a_dismissed_member_in_her_notice_period_reads_when_it_ends(client, auth, make, cw):
    make.member("lars", caseworker=cw, status="opsagt", target_group=None, notice_end_date=TODAY)
    make.commit()
    html = _home(client, auth, "lars")
    assert "din opsigelsesperiode slutter 22. marts 2027" in html and "sluttede" not in html


@pytest.mark.parametrize("status, days, over", [
    ("opsagt", -1, True), ("opsagt", 0, False), ("opsagt", 30, False), ("ledig", -1, False), ("i_job", -40, False),
])
def test_notice_period_over_only_for_a_member_still_registered_as_dismissed(make, status, days, over):
    member = make.member(status=status, notice_end_date=TODAY + timedelta(days=days))
    assert member_situation.notice_period_over(member, TODAY) is over


# ---- mark O follows the status ---------------------------------------------------------------------------------

def test_mark_o_goes_with_the_status_after_a_bulk_change_but_the_registration_is_kept(client, auth, make, session, cw):
    member = make.member("sanne", caseworker=cw, status="opsagt", target_group=None, mark_o=False)
    jobmatch_cv.save_cv(session, member, jobmatch_cv.CvInput(job_goals="Social- og sundhedshjælper"), actor=cw.user,
                        now=NOW)
    session.commit()
    assert member.mark_o and jobmatch_cv.has_mark_o(member)
    auth.login("sanne")
    assert "Mærke O (opsagt)" in client.get("/min-side").get_data(as_text=True)

    session.execute(update(Member).where(Member.id == member.id).values(status="ledig", first_unemployment_day=TODAY))
    session.commit()
    assert not jobmatch_cv.has_mark_o(member)
    assert "Mærke O (opsagt)" not in client.get("/min-side").get_data(as_text=True)
    assert str(jobmatch_cv.MARK_O_TEXT)[:40] not in client.get("/min-side/jobmatch-cv").get_data(as_text=True)
    assert session.get(Member, member.id).mark_o  # she was registered as dismissed: the steering segment keeps it


# ---- overdue plan deadlines ------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, days, overdue", [
    ("active", -1, True), ("active", 0, False), ("active", 5, False), ("done", -1, False),
    ("awaiting_jc", -1, False), ("proposed", -1, False), ("cancelled", -1, False), ("active", None, False),
])
def test_a_plan_item_is_overdue_when_agreed_and_its_deadline_has_passed(status, days, overdue):
    item = PlanItem(status=status, due_date=None if days is None else TODAY + timedelta(days=days))
    assert plan.is_overdue(item, TODAY) is overdue


def test_min_side_marks_an_overdue_plan_deadline_as_the_plan_page_does(client, auth, make, session, cw):
    member = make.member("mette", caseworker=cw)
    late = plan.propose_item(session, member, kind="job_search", title="Søg tre job", due_date=TODAY + timedelta(days=1),
                             actor=cw.user, now=NOW - timedelta(days=5))
    plan.propose_item(session, member, kind="education", title="Kursus i forflytning",
                      due_date=TODAY + timedelta(days=20), actor=cw.user, now=NOW)
    late.due_date = TODAY - timedelta(days=2)
    session.commit()
    home = _home(client, auth, "mette")
    card = home[home.index('id="h-plan"'):]
    card = card[:card.index("</section>")]
    late_line = card[card.index("Søg tre job"):card.index("</li>")]
    assert "Frist 20. marts 2027" in late_line and "overskredet" in late_line
    assert card.count("overskredet") == 1
    plan_page = client.get("/min-side/plan").get_data(as_text=True)
    assert plan_page.count("overskredet") == 1
